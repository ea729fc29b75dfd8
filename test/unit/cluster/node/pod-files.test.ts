// What the kubelet writes for a pod: /etc/hosts (FQDN with a subdomain, hostAliases), the hostname
// cut to 63 characters, downwardAPI contents, and the ..data layout of the atomic writer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { writeAtomic } from '../../../cluster/node/atomic-writer.js';
import { formatMap, goQuote, parseQuantity, resourceValue, volumeFieldValue } from '../../../cluster/node/downward-api.js';
import { hostsFile, podHostname } from '../../../cluster/node/hosts-file.js';
import { mountArg } from '../../../cluster/node/mounts.js';
import type { Pod } from '../../../cluster/node/pod-types.js';

function pod(spec: Partial<Pod['spec']> = {}, name = 'web-0'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: 'u-1', labels: { app: 'web', tier: 'b"e' }, annotations: { note: 'a\nb' } },
    spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '1500m', memory: '64Mi' } } }], ...spec } };
}

const HEAD = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
  + 'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('cluster pod files', () => {
  it('writes /etc/hosts as the kubelet does', () => {
    expect(hostsFile(pod(), ['10.132.0.5'])).to.equal(`${HEAD}10.132.0.5\tweb-0\n`);
    expect(hostsFile(pod({ hostname: 'web-0', subdomain: 'web' }), ['10.132.0.5']))
      .to.equal(`${HEAD}10.132.0.5\tweb-0.web.ns.svc.cluster.local\tweb-0\n`);
    expect(hostsFile(pod({ hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote'] }] }), ['10.132.0.5']))
      .to.equal(`${HEAD}10.132.0.5\tweb-0\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n`);
  });

  it('cuts a long hostname to 63 characters without a trailing dash or dot', () => {
    expect(podHostname(pod({}, `${'a'.repeat(62)}-bcd`))).to.equal('a'.repeat(62));
    expect(podHostname(pod({ hostname: 'h' }))).to.equal('h');
  });

  it('formats labels and annotations as key="value" lines, Go-quoted', () => {
    expect(formatMap({ b: '2', a: 'x"y' })).to.equal('a="x\\"y"\nb="2"');
    expect(goQuote('tab\tbell\x07é')).to.equal('"tab\\tbell\\x07é"');
    expect(volumeFieldValue(pod(), 'metadata.labels')).to.equal('app="web"\ntier="b\\"e"');
    expect(volumeFieldValue(pod(), 'metadata.annotations')).to.equal('note="a\\nb"');
    expect(volumeFieldValue(pod(), "metadata.labels['app']")).to.equal('web');
    expect(volumeFieldValue(pod(), 'metadata.uid')).to.equal('u-1');
    expect(() => volumeFieldValue(pod(), 'status.podIP')).to.throw('unsupported fieldPath: status.podIP');
  });

  it('reads container resources with divisors, limits falling back to the node', () => {
    const c = pod().spec.containers[0]!;
    const node = { cpuCores: 4, memoryBytes: 8 * 2 ** 30 };
    const cases: [string, string | undefined, string][] = [
      ['limits.cpu', undefined, '2'], ['limits.cpu', '1m', '1500'], ['limits.memory', '1Mi', '64'],
      ['requests.cpu', '1m', '1500'], ['requests.memory', undefined, String(64 * 2 ** 20)],
    ];
    for (const [res, div, want] of cases) expect(resourceValue(c, res, div, node), `${res} ${div}`).to.equal(want);
    const bare = { name: 'b', image: 'i:1' };
    expect(resourceValue(bare, 'limits.cpu', undefined, node)).to.equal('4');
    expect(resourceValue(bare, 'requests.cpu', undefined, node)).to.equal('0');
    expect(resourceValue(bare, 'limits.memory', '1Gi', node)).to.equal('8');
    expect(parseQuantity('250m')).to.equal(0.25);
  });

  it('lays volume files out with ..data and swaps them on a rewrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-atomic-'));
    try {
      const f = (s: string) => ({ data: Buffer.from(s), mode: 0o600 });
      writeAtomic(dir, new Map([['labels', f('app="web"')], ['sub/x', f('x')]]), new Date('2026-01-02T03:04:05Z'));
      const first = fs.readlinkSync(path.join(dir, '..data'));
      expect(first).to.match(/^\.\.2026_01_02_03_04_05\./);
      expect(fs.readlinkSync(path.join(dir, 'labels'))).to.equal('..data/labels');
      expect(fs.readFileSync(path.join(dir, 'sub/x'), 'utf8')).to.equal('x');
      expect(fs.statSync(path.join(dir, 'labels')).mode & 0o777).to.equal(0o600);
      writeAtomic(dir, new Map([['labels', f('app="db"')]]));
      expect(fs.readFileSync(path.join(dir, 'labels'), 'utf8')).to.equal('app="db"');
      expect(fs.readdirSync(dir).filter((n) => !n.startsWith('..'))).to.deep.equal(['labels']);
      expect(fs.readdirSync(dir).filter((n) => n.startsWith('..2'))).to.have.length(1);
      expect(fs.existsSync(path.join(dir, first))).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mounts a subPath through ..data, creates one in an emptyDir, and refuses one outside the volume', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-mounts-'));
    try {
      const cfg = path.join(root, 'cfg');
      const scratch = path.join(root, 'scratch');
      fs.mkdirSync(scratch);
      writeAtomic(cfg, new Map([['app.conf', { data: Buffer.from('x'), mode: 0o644 }]]));
      const p = pod({ volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'scratch', emptyDir: {} }] });
      const volumes = new Map([['cfg', cfg], ['scratch', scratch]]);
      const env = new Map([['POD', 'web-0']]);
      const arg = mountArg(p, { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }, volumes, env, 'c');
      expect(arg).to.equal(`${fs.realpathSync(path.join(cfg, fs.readlinkSync(path.join(cfg, '..data')), 'app.conf'))}:/etc/app.conf:ro`);
      expect(mountArg(p, { name: 'scratch', mountPath: '/data', subPathExpr: 'logs/$(POD)' }, volumes, env, 'c')).to.equal(`${fs.realpathSync(scratch)}/logs/web-0:/data`);
      expect(fs.statSync(path.join(scratch, 'logs/web-0')).isDirectory()).to.equal(true);
      expect(mountArg(p, { name: 'scratch', mountPath: '/data', readOnly: true }, volumes, env, 'c')).to.equal(`${scratch}:/data:ro`);
      fs.symlinkSync('/etc', path.join(scratch, 'escape'));
      for (const subPath of ['../x', '/abs', 'escape']) {
        expect(() => mountArg(p, { name: 'scratch', mountPath: '/data', subPath }, volumes, env, 'c'), subPath).to.throw('failed to prepare subPath for volumeMount "scratch" of container "c"');
      }
      expect(() => mountArg(p, { name: 'cfg', mountPath: '/x', subPath: 'missing' }, volumes, env, 'c')).to.throw('failed to prepare subPath');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
