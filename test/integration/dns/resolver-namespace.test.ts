// The host resolver change for real, inside private mount + network namespaces (ns-child.ts): the
// file before, during and after a session (resolved through getaddrinfo end to end), a SIGKILL'd run
// repaired by the next one, and the symlink form of resolv.conf. The host's own file never changes.
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { overriddenResolvConf } from '../../../src/host/resolver-resolvconf.js';
import { createHostResolverConfig, repairResolver } from '../../../src/host/resolver.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ns-child.js');
const ORIGINAL = 'search corp.example.com\nnameserver 127.0.0.2\noptions ndots:1 timeout:1 attempts:1\n';

type Step = Record<string, unknown> & { step: string };

function inNamespace(dir: string, scenario: string): ResultPromise {
  return execa('unshare', ['-m', '-n', '--', process.execPath, CHILD, dir, scenario], { reject: false });
}

function steps(stdout: unknown): Step[] {
  return String(stdout).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Step);
}

describe('host resolver in a private mount + network namespace', function () {
  this.timeout(60_000);
  let hostBefore: string;
  let dir: string;
  let statePath: string;

  before(async () => {
    hostBefore = await readFile('/etc/resolv.conf', 'utf8');
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tp-resolver-'));
    statePath = path.join(dir, 'state', 'resolver-backup.json');
    await writeFile(path.join(dir, 'resolv.conf'), ORIGINAL);
  });
  afterEach(async () => {
    expect(await readFile('/etc/resolv.conf', 'utf8')).to.equal(hostBefore);
    await rm(dir, { recursive: true, force: true });
  });

  it('a session (startVpnDns): overridden during, names resolve through getaddrinfo, restored by the undo stack', async () => {
    const run = await inNamespace(dir, 'session');
    expect(run.exitCode, String(run.stdout) + String(run.stderr)).to.equal(0);
    const [before, resolved, undone] = steps(run.stdout);
    expect(before).to.deep.equal({ step: 'before', file: ORIGINAL });
    expect(resolved).to.deep.equal({
      step: 'resolved',
      method: 'resolv.conf',
      originalNameservers: [{ host: '127.0.0.2', port: 53 }],
      podSuffixes: ['corp.example.com'],
      recursion: 'not-detected',
      // VNAT'd cluster names, a short name (tried as web.corp.example.com at the original first), the original's names.
      resolved: { 'web.ns': ['246.246.0.1'], web: ['246.246.0.1'], 'example.com': ['192.0.2.1'], 'nowhere.example.org': 'ENOTFOUND' },
      getent: '246.246.0.1     web.ns',
      file: overriddenResolvConf(ORIGINAL, '127.0.0.1', statePath),
      logged: [
        'vpn-tcp: DNS server on 127.0.0.1:53 (UDP, TCP); original nameservers 127.0.0.2',
        'vpn-tcp: the host resolves through us (resolv.conf)',
        'vpn-tcp: the pod learned the search suffixes corp.example.com',
        'vpn-tcp: DNS recursion check: not-detected',
      ],
    });
    expect(undone).to.deep.equal({ step: 'undone', failures: [], file: ORIGINAL, stateLeft: false });
    expect(await readFile(path.join(dir, 'resolv.conf'), 'utf8')).to.equal(ORIGINAL);
  });

  it('a tunnel that never answers: "vpn-tcp tunnel did not connect", the resolver file in the log, then restored', async () => {
    const run = await inNamespace(dir, 'dead');
    expect(run.exitCode, String(run.stdout) + String(run.stderr)).to.equal(0);
    const [, failed, undone] = steps(run.stdout);
    const during = overriddenResolvConf(ORIGINAL, '127.0.0.1', statePath);
    expect(failed).to.deep.equal({
      step: 'failed',
      error: 'vpn-tcp tunnel did not connect',
      category: 'cluster',
      during,
      logged: [`vpn-tcp: /etc/resolv.conf:\n${during.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}`],
    });
    expect(undone).to.deep.equal({ step: 'undone', failures: [], file: ORIGINAL, stateLeft: false });
  });

  it('a SIGKILL\'d run leaves the override and its backup; the next run repairs it and says so', async () => {
    const held = execa('unshare', ['-m', '-n', '--', process.execPath, CHILD, dir, 'hold'], { reject: false });
    const lines = createInterface({ input: held.stdout! });
    const seen: Step[] = [];
    for await (const line of lines) {
      seen.push(JSON.parse(line) as Step);
      if (seen.length === 2) break;
    }
    const applied = seen[1];
    expect(applied).to.deep.include({ step: 'applied', file: overriddenResolvConf(ORIGINAL, '127.0.0.1', statePath), stateLeft: true });

    // While it runs, another run's repair leaves it alone.
    const early = steps((await inNamespace(dir, 'repair')).stdout)[1];
    expect(early).to.deep.include({ repaired: [`left /etc/resolv.conf alone: telepresence pid ${applied.pid}, which changed it, is still running`], stateLeft: true });

    held.kill('SIGKILL');
    const ended = await held;
    expect(ended.signal).to.equal('SIGKILL');
    expect(await readFile(path.join(dir, 'resolv.conf'), 'utf8')).to.equal(applied.file);

    const repair = steps((await inNamespace(dir, 'repair')).stdout)[1];
    const changedAt = (JSON.parse(await readFile(statePath, 'utf8').catch(() => '{}')) as { changedAt?: string }).changedAt;
    expect(changedAt).to.equal(undefined); // the backup is gone
    expect(repair.file).to.equal(ORIGINAL);
    expect(repair.stateLeft).to.equal(false);
    expect(repair.repaired).to.have.length(1);
    expect((repair.repaired as string[])[0]).to.match(
      new RegExp(`^restored the original /etc/resolv.conf \\(telepresence pid ${applied.pid} changed it at \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z and did not clean up\\)$`),
    );
    const again = steps((await inNamespace(dir, 'repair')).stdout)[1];
    expect(again).to.deep.include({ repaired: [], file: ORIGINAL });
  });

  it('a resolv.conf that a later writer changed is left alone by undo and by repair', async () => {
    const paths = { resolvConf: path.join(dir, 'resolv.conf'), state: statePath };
    const change = await createHostResolverConfig('linux', paths).apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] });
    await writeFile(paths.resolvConf, 'nameserver 10.9.9.9\n'); // e.g. DHCP renewed the lease
    expect(await change.undo()).to.equal(`left ${paths.resolvConf} as it is: it was changed by something else since telepresence (pid ${process.pid}) wrote it`);
    expect(await readFile(paths.resolvConf, 'utf8')).to.equal('nameserver 10.9.9.9\n');
    expect(await repairResolver(paths, 'linux')).to.deep.equal([]);
  });

  it('a resolv.conf that is a symlink is replaced by a file, and the link is put back', async () => {
    await mkdir(path.join(dir, 'run'));
    await writeFile(path.join(dir, 'run', 'stub-resolv.conf'), ORIGINAL);
    const link = path.join(dir, 'etc-resolv.conf');
    await symlink('run/stub-resolv.conf', link);
    const paths = { resolvConf: link, state: statePath };
    const change = await createHostResolverConfig('linux', paths).apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] });
    expect((await lstat(link)).isSymbolicLink()).to.equal(false);
    expect(await readFile(link, 'utf8')).to.equal(overriddenResolvConf(ORIGINAL, '127.0.0.1', statePath));
    expect(await readFile(path.join(dir, 'run', 'stub-resolv.conf'), 'utf8')).to.equal(ORIGINAL); // the link's target is not written
    expect(await change.undo()).to.equal(`restored ${link} as a link to run/stub-resolv.conf`);
    expect(await readlink(link)).to.equal('run/stub-resolv.conf');
  });

  it('a second apply while a backup exists is refused with the way out', async () => {
    const paths = { resolvConf: path.join(dir, 'resolv.conf'), state: statePath };
    const config = createHostResolverConfig('linux', paths);
    const first = await config.apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] });
    const err = await config.apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] }).catch((e: Error) => e);
    expect((err as Error).message).to.equal(`the resolver backup ${statePath} of telepresence pid ${process.pid} is still there: that session is still running; end it first`);
    await first.undo();
    expect(await readFile(paths.resolvConf, 'utf8')).to.equal(ORIGINAL);
    const port = await config.apply({ address: '127.0.0.1', port: 5353, routingDomains: [], searchDomains: [] }).catch((e: Error) => e);
    expect((port as Error).message).to.equal('resolv.conf can only name a DNS server on port 53, not 127.0.0.1:5353');
  });
});
