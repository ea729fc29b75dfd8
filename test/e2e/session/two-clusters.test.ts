// Issue 16's two vpn-tcp sessions to two clusters with the same subnets: the default test cluster and
// instance 2 (`npm run cluster -- up --instance 2`), each with a namespace of the same name and an echo
// Service `echo` on the same ClusterIP whose pod names its node. Each user process gets its own
// cluster's answer, the later session VNATs the earlier one's TUN routes, `telepresence status` lists
// both with their contexts, and after both end (the earlier first) the host is as before. While both
// run, each user process resolves `echo.NS` by its own session (its /etc/resolv.conf, in a mount
// namespace of its own, names its session's process DNS address), while the host's file names the newest.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type ClusterFixture, createFixtureNamespace, waitFor } from '../helpers/cluster.js';
import { clusterCliFor, clusterInstanceDown, clusterInstanceInfo, clusterInstanceUp, instanceFixture } from '../helpers/cluster-instance.js';
import { resolvConfNameservers } from '../../../src/dns/index.js';
import { ECHO_IMAGE, waitForReady } from '../helpers/pods.js';
import { hostState, useHostSessions } from './host-state.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

interface Answer { path: string; pod: string; podIp: string; remote: string }

/** Pod `echo` answering with its node's name (the `pod` field) and Service `echo` on `clusterIp`:8080. */
function echoObjects(clusterIp: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo', labels: { app: 'echo' } },
      spec: { containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 8080 }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 } }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' },
      spec: { clusterIP: clusterIp, selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] } },
  ] });
}

/**
 * A user process that first copies the /etc/resolv.conf it sees to NAME.resolv, then curls urls[N-1]/NAMEN
 * when told to (file NAME.goN), until NAME.end. Each curl is a child: it must see what the process sees.
 */
function curlOnCue(dir: string, name: string, urls: readonly string[]): string {
  const f = (x: string) => path.join(dir, `${name}.${x}`);
  const curl = (step: number) => `curl -sS --max-time 20 -w ' %{remote_ip}' ${urls[step - 1]}/${name}${step} > ${f(`out${step}.tmp`)} 2>&1; mv ${f(`out${step}.tmp`)} ${f(`out${step}`)}`;
  return [
    `cat /etc/resolv.conf > ${f('resolv.tmp')}; mv ${f('resolv.tmp')} ${f('resolv')}`,
    `while [ ! -e ${f('end')} ]; do`,
    ...urls.map((_, i) => `  if [ -e ${f(`go${i + 1}`)} ] && [ ! -e ${f(`out${i + 1}`)} ]; then ${curl(i + 1)}; fi`),
    '  sleep 0.05',
    'done',
  ].join('\n');
}

/** Instance 2 is down: no node netns, no API server, no kubeconfig. */
async function expectInstance2Down(): Promise<void> {
  const status = String((await clusterCliFor('2', ['status'])).stdout);
  expect(status).to.match(/^netns tp-node-2: absent$/m).and.to.match(/^apiserver: not running$/m);
  expect(fs.existsSync(clusterInstanceInfo('2').kubeconfig)).to.equal(false);
}

describe('two vpn-tcp sessions to two clusters with the same subnets (e2e, root, --instance 2)', function () {
  this.timeout(300_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;
  const info = clusterInstanceInfo('2');
  // One ClusterIP for both Services: free in a fresh instance 2, and (high in the range) in the default one too.
  const clusterIp = `10.130.${200 + crypto.randomInt(50)}.${1 + crypto.randomInt(250)}`;

  before(async function () {
    this.timeout(300_000);
    await clusterInstanceDown('2'); // a left-over of an interrupted run
    const up = await clusterInstanceUp('2');
    process.stderr.write(`      (up --instance 2: ${up.seconds.toFixed(1)} s)\n`);
  });
  after(async function () {
    this.timeout(120_000);
    const down = await clusterInstanceDown('2');
    process.stderr.write(`      (down --instance 2: ${down.seconds.toFixed(1)} s)\n`);
    await expectInstance2Down();
  });

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ XDG_CACHE_HOME: path.join(host.dir(), 'cache'), ...extra });
  const cue = (name: string, what: string) => fs.writeFileSync(path.join(host.dir(), `${name}.${what}`), '');
  const answer = async (name: string, step: number): Promise<Answer> => {
    const file = path.join(host.dir(), `${name}.out${step}`);
    const text = await waitFor(`${name}'s curl ${step}`, 30_000, async () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
    const [, body, remote] = /^(\{.*\}) (\S+)$/s.exec(text) ?? [];
    expect(body, text).to.be.a('string');
    const parsed = JSON.parse(body!) as Answer;
    return { path: parsed.path, pod: parsed.pod, podIp: parsed.podIp, remote: remote! };
  };

  it('each session reaches its own cluster\'s echo; the later VNATs the earlier\'s TUN; status lists both; the host is as before', async () => {
    const ns = fx.namespace; // the same namespace name in both clusters
    const fx2: ClusterFixture = await instanceFixture(info, ns);
    await createFixtureNamespace(fx2);
    for (const f of [fx, fx2]) await f.kubectl(['apply', '-f', '-'], echoObjects(clusterIp));
    const [pod1, pod2] = await Promise.all([fx, fx2].map((f) => waitForReady(f, 'echo')));
    const echo1 = { pod: 'tp-node', podIp: pod1!.status!.podIP! };
    const echo2 = { pod: 'tp-node-2', podIp: pod2!.status!.podIP! };
    await host.recapture(); // after the pods (their veths are in the nodes' netns, but the host's state is what counts)

    const byName = `http://echo.${ns}:8080`;
    const byIp = `http://${clusterIp}:8080`;
    const start = (name: string, urls: string[], extra: NodeJS.ProcessEnv) => launchedSession(
      ['--method', 'vpn-tcp', '--namespace', ns, '--logfile', path.join(host.dir(), `${name}.log`), '--run', 'sh', '-c', curlOnCue(host.dir(), name, urls)], env(extra),
    );
    const started = Date.now();
    // a: by name alone, then by the ClusterIP and by name beside b; b: by name beside a, then alone. The
    // host's resolver is b's (the chain's head) then, but a's process asks a's own DNS server.
    const a = await start('a', [byName, byIp, byName], {});
    let b: Awaited<ReturnType<typeof start>> | undefined;
    try {
      cue('a', 'go1');
      expect(await answer('a', 1)).to.deep.equal({ path: '/a1', ...echo1, remote: clusterIp });

      b = await start('b', [byName, byName], { KUBECONFIG: info.kubeconfig });
      process.stderr.write(`      (both sessions up: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      const tunA = /vpn-tcp: (tp\d+) routes /.exec(fs.readFileSync(path.join(host.dir(), 'a.log'), 'utf8'))?.[1];
      expect(tunA, 'a.log names its TUN').to.be.a('string');
      // Instance 2's subnets are the default cluster's, routed by a's TUN: b VNATs them.
      expect(b.stderr()).to.match(new RegExp(`^T: \\S+ is routed by another telepresence session's TUN ${tunA} \\(pid ${a.child.pid}, namespace ${ns}\\): VNAT, this session reaches it through virtual IPs in 246\\.246\\.0\\.0/16$`, 'm'));

      cue('b', 'go1');
      const gotB = await answer('b', 1);
      expect(gotB).to.deep.include({ path: '/b1', ...echo2 });
      expect(gotB.remote, 'the later session dials a virtual IP').to.match(/^246\.246\.\d+\.\d+$/);
      // The same ClusterIP beside b: a's TUN still takes it to the default cluster.
      cue('a', 'go2');
      expect(await answer('a', 2)).to.deep.equal({ path: '/a2', ...echo1, remote: clusterIp });
      // By name beside b: a's own cluster, not b's (before its own resolver, tp-node-2 through 246.246.x.x).
      cue('a', 'go3');
      expect(await answer('a', 3)).to.deep.equal({ path: '/a3', ...echo1, remote: clusterIp });
      // Each process's resolv.conf names its session's process DNS address (slot 0: 127.0.0.186, slot 1:
      // 127.0.0.187); the host's names the head of the chain, b's chain address.
      const seen = async (name: string) => resolvConfNameservers(await waitFor(`${name}.resolv`, 10_000, async () => {
        const file = path.join(host.dir(), `${name}.resolv`);
        return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      }));
      expect(await seen('a')).to.deep.equal([{ host: '127.0.0.186', port: 53 }]);
      expect(await seen('b')).to.deep.equal([{ host: '127.0.0.187', port: 53 }]);
      expect(resolvConfNameservers(fs.readFileSync('/etc/resolv.conf', 'utf8'))).to.deep.equal([{ host: '127.0.0.154', port: 53 }]);
      expect(fs.readFileSync(path.join(host.dir(), 'a.log'), 'utf8')).to.contain('vpn-tcp: the user process\'s DNS server on 127.0.0.186:53');

      const status = await telepresence(['status'], env());
      expect(status.exitCode, status.stderr).to.equal(0);
      const rows = status.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s{2,}/));
      expect(rows.map((r) => [r[0], r[1], r[2], r[3]])).to.deep.equal([
        [String(a.child.pid), 'tp-local', ns, 'vpn-tcp'], [String(b.child.pid), 'tp-local-2', ns, 'vpn-tcp']]);
      expect(rows[1]![5]).to.equal('246.246.0.0/16');

      // The earlier ends first; the later keeps answering from instance 2.
      cue('a', 'end');
      const endedA = await a.child;
      expect(endedA.exitCode, String(endedA.stderr)).to.equal(0);
      cue('b', 'go2');
      expect(await answer('b', 2)).to.deep.include({ path: '/b2', ...echo2 });
      cue('b', 'end');
      const endedB = await b.child;
      expect(endedB.exitCode, String(endedB.stderr)).to.equal(0);
    } finally {
      cue('a', 'end');
      cue('b', 'end');
      await Promise.all([a.child, b?.child]);
    }
    expect(await hostState()).to.deep.equal(host.initial());
    for (const file of ['/run/telepresence/vpn-tcp.resolv.conf', '/run/telepresence/vpn-tcp.1.resolv.conf']) expect(fs.existsSync(file), file).to.equal(false);
    expect(await telepresence(['status'], env())).to.deep.equal({ exitCode: 0, stdout: 'No telepresence sessions on this workstation.', stderr: '' });
  });
});
