// Issue 16's several sessions on one workstation: two vpn-tcp sessions to two namespaces that each
// have an echo Service of the same name. Each user process reaches its own namespace's server by
// `echo.NS` while both run (the later one VNATs the earlier one's TUN routes, and passes the earlier
// one's namespace down the resolver chain), `telepresence status` lists both, the one left keeps
// working when the other ends, and after both the host is as before, in either order of ending.
// And an inject-tcp session beside a vpn-tcp one.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/cluster.js';
import { deleteNamespace, echoServiceIn, extraNamespace } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

interface Echo {
  podIp: string;
  clusterIp: string;
}

/** A user process that curls http://echo.NS:8080/<step> when told to (file NAME.goN), until NAME.end. */
function curlOnCue(dir: string, name: string, ns: string): string {
  const f = (x: string) => path.join(dir, `${name}.${x}`);
  const curl = (step: number) => `curl -sS --max-time 20 -w ' %{remote_ip}' http://echo.${ns}:8080/${name}${step} > ${f(`out${step}.tmp`)} 2>&1; mv ${f(`out${step}.tmp`)} ${f(`out${step}`)}`;
  return [
    `while [ ! -e ${f('end')} ]; do`,
    `  if [ -e ${f('go1')} ] && [ ! -e ${f('out1')} ]; then ${curl(1)}; fi`,
    `  if [ -e ${f('go2')} ] && [ ! -e ${f('out2')} ]; then ${curl(2)}; fi`,
    '  sleep 0.05',
    'done',
  ].join('\n');
}

describe('several sessions on one workstation (e2e, root)', function () {
  this.timeout(240_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;
  const namespaces: string[] = [];
  const echoes: Echo[] = [];

  before(async function () {
    this.timeout(120_000);
    for (const prefix of ['tp-e2e-multi-a', 'tp-e2e-multi-b']) {
      const ns = await extraNamespace(fx, prefix);
      namespaces.push(ns);
      echoes.push(await echoServiceIn(fx, ns, 'echo'));
    }
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespace(fx, ns);
  });

  /** What is labelled telepresence in `ns` (kubectl: fx.kubectl is bound to the test's namespace). */
  const labelled = async (ns: string) => (await fx.kubectl(['get', 'all', '-o', 'name', '-n', ns, '-l', 'telepresence'])).split('\n').filter(Boolean);
  const env = () => ({ XDG_CACHE_HOME: path.join(host.dir(), 'cache') });
  const start = (name: string, method: string, ns: string) => launchedSession(
    ['--method', method, '--namespace', ns, '--logfile', path.join(host.dir(), `${name}.log`), '--run', 'sh', '-c', curlOnCue(host.dir(), name, ns)], env(),
  );
  const cue = (name: string, what: string) => fs.writeFileSync(path.join(host.dir(), `${name}.${what}`), '');
  const answer = async (name: string, step: number) => {
    const file = path.join(host.dir(), `${name}.out${step}`);
    const text = await waitFor(`${name}'s curl ${step}`, 30_000, async () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
    const [, body, remote] = /^(\{.*\}) (\S+)$/s.exec(text) ?? [];
    expect(body, text).to.be.a('string');
    const parsed = JSON.parse(body!) as { path: string; podIp: string };
    return { path: parsed.path, podIp: parsed.podIp, remote: remote! };
  };

  for (const firstToEnd of ['a', 'b'] as const) {
    it(`two vpn-tcp sessions each reach their own namespace's echo; status lists both; ${firstToEnd === 'a' ? 'the earlier' : 'the later'} ends first; the host is as before`, async () => {
      const [nsA, nsB] = namespaces as [string, string];
      const a = await start('a', 'vpn-tcp', nsA);
      const b = await start('b', 'vpn-tcp', nsB);
      const sessions = { a, b };
      try {
        const tunA = /vpn-tcp: (tp\d+) routes /.exec(fs.readFileSync(path.join(host.dir(), 'a.log'), 'utf8'))?.[1];
        // The later one says whose TUN its subnets conflict with, and VNATs them.
        expect(b.stderr()).to.match(new RegExp(`^T: \\S+ is routed by another telepresence session's TUN ${tunA} \\(pid ${a.child.pid}, namespace ${nsA}\\): VNAT, this session reaches it through virtual IPs in 246\\.246\\.0\\.0/16$`, 'm'));
        expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain('nameserver 127.0.0.154');

        cue('a', 'go1');
        cue('b', 'go1');
        const [gotA, gotB] = [await answer('a', 1), await answer('b', 1)];
        expect(gotA).to.deep.equal({ path: '/a1', podIp: echoes[0]!.podIp, remote: echoes[0]!.clusterIp });
        expect(gotB.path).to.equal('/b1');
        expect(gotB.podIp).to.equal(echoes[1]!.podIp);
        expect(gotB.remote, 'the later session dials a virtual IP').to.match(/^246\.246\.\d+\.\d+$/);

        const status = await telepresence(['status'], env());
        expect(status.exitCode, status.stderr).to.equal(0);
        const rows = status.stdout.split('\n').slice(1).map((l) => l.split(/\s{2,}/));
        expect(rows.map((r) => [r[0], r[2], r[3]])).to.deep.equal([[String(a.child.pid), nsA, 'vpn-tcp'], [String(b.child.pid), nsB, 'vpn-tcp']]);
        expect(rows[1]![5]).to.equal('246.246.0.0/16');

        // One ends; the other keeps answering from its own namespace (its resolver chain changed under it).
        const [ender, stayer] = firstToEnd === 'a' ? (['a', 'b'] as const) : (['b', 'a'] as const);
        cue(ender, 'end');
        const ended = await sessions[ender].child;
        expect(ended.exitCode, String(ended.stderr)).to.equal(0);
        expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain(`nameserver ${stayer === 'a' ? '127.0.0.153' : '127.0.0.154'}`);
        cue(stayer, 'go2');
        const again = await answer(stayer, 2);
        expect([again.path, again.podIp]).to.deep.equal([`/${stayer}2`, echoes[stayer === 'a' ? 0 : 1]!.podIp]);
        cue(stayer, 'end');
        const last = await sessions[stayer].child;
        expect(last.exitCode, String(last.stderr)).to.equal(0);
      } finally {
        cue('a', 'end');
        cue('b', 'end');
        await Promise.all([a.child, b.child]);
      }
      expect(await hostState()).to.deep.equal(host.initial());
      expect(await telepresence(['status'], env())).to.deep.equal({ exitCode: 0, stdout: 'No telepresence sessions on this workstation.', stderr: '' });
      for (const ns of namespaces) expect(await labelled(ns), ns).to.deep.equal([]);
    });
  }

  it('the earlier one SIGKILLed: the later keeps working; the next run repairs the dead one without breaking it; the host is as before', async () => {
    const [nsA, nsB] = namespaces as [string, string];
    const a = await start('a', 'vpn-tcp', nsA);
    const b = await start('b', 'vpn-tcp', nsB);
    try {
      process.kill(a.child.pid!, 'SIGKILL');
      cue('a', 'end'); // its user process outlives it
      await a.child;
      cue('b', 'go1');
      expect((await answer('b', 1)).podIp).to.equal(echoes[1]!.podIp);
      const next = await telepresence(['--method', 'vpn-tcp', '--namespace', nsA, '--logfile', path.join(host.dir(), 'c.log'),
        '--run', 'curl', '-sS', '--max-time', '20', `http://echo.${nsA}:8080/c`], env());
      expect(next.exitCode, next.stderr).to.equal(0);
      expect(JSON.parse(next.stdout)).to.include({ path: '/c', podIp: echoes[0]!.podIp });
      expect(next.stderr).to.match(new RegExp(`^Repaired: left /etc/resolv\\.conf to telepresence pid ${b.child.pid}, which replaced it since and now forwards to \\S+ \\(telepresence pid ${a.child.pid} changed it at \\S+ and did not clean up\\)$`, 'm'));
      expect(next.stderr).to.match(new RegExp(`^Repaired: released the vpn-tcp lock /run/telepresence/vpn-tcp\\.pid of an earlier session \\(pid ${a.child.pid}\\)$`, 'm'));
      expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain('nameserver 127.0.0.154');
      cue('b', 'go2');
      expect((await answer('b', 2)).podIp).to.equal(echoes[1]!.podIp);
    } finally {
      cue('a', 'end');
      cue('b', 'end');
    }
    expect((await b.child).exitCode).to.equal(0);
    expect(await hostState()).to.deep.equal(host.initial());
    for (const ns of namespaces) expect(await labelled(ns), ns).to.deep.equal([]);
  });

  it('an inject-tcp session beside a vpn-tcp one: both reach their own namespace; the host is as before', async () => {
    const [nsA, nsB] = namespaces as [string, string];
    const a = await start('a', 'vpn-tcp', nsA);
    try {
      const r = await telepresence(['--method', 'inject-tcp', '--namespace', nsB, '--logfile', path.join(host.dir(), 'i.log'),
        '--run', 'curl', '-sS', '--max-time', '20', 'http://echo:8080/inject'], env());
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ path: '/inject', podIp: echoes[1]!.podIp });
      cue('a', 'go1');
      expect(await answer('a', 1)).to.deep.equal({ path: '/a1', podIp: echoes[0]!.podIp, remote: echoes[0]!.clusterIp });
    } finally {
      cue('a', 'end');
    }
    expect((await a.child).exitCode).to.equal(0);
    expect(await hostState()).to.deep.equal(host.initial());
    for (const ns of namespaces) expect(await labelled(ns), ns).to.deep.equal([]);
  });
});
