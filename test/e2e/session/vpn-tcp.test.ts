// Issue 5's end-to-end proof: vpn-tcp sessions with a real TUN, routes and resolver against the local
// cluster, beside a staged VPN, and the host exactly as before after every run.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';
import { waitFor } from '../helpers/cluster.js';
import { deleteNamespace, echoService, echoServiceIn, extraNamespace, labelledTelepresence } from '../kube/fixtures.js';
import { hostState, routeGet, useStagedVpn, useHostSessions } from './host-state.js';
import { execa } from 'execa';
import { BIN, errorLines, launchedSession, telepresence, tmpDir } from './run.js';

describe('vpn-tcp sessions (e2e, root, real TUN)', function () {
  this.timeout(180_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;

  const base = () => ['--method', 'vpn-tcp', '--namespace', fx.namespace, '--logfile', path.join(host.dir(), 'tp.log')];
  const expectHostUnchanged = async () => expect(await hostState()).to.deep.equal(host.initial());

  it('reaches a Service by short name, FQDN and ClusterIP and a pod by IP; the host is as before afterwards', async () => {
    const { podIp, clusterIp } = await echoService(fx, 'echo');
    const urls = ['http://echo:8080/a', `http://echo.${fx.namespace}.svc.cluster.local:8080/b`, `http://${clusterIp}:8080/c`, `http://${podIp}:8080/d`];
    const script = `${urls.map((u) => `curl -sS --max-time 20 ${u}; echo`).join('; ')}; ip route get ${clusterIp} | head -1`;
    const r = await telepresence([...base(), '--run', 'sh', '-c', script]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 4).map((l) => (JSON.parse(l) as { path: string }).path)).to.deep.equal(['/a', '/b', '/c', '/d']);
    expect(lines[4]).to.match(new RegExp(`^${clusterIp.replace(/\./g, '\\.')} dev tp\\d+ `));
    await expectHostUnchanged();
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('resolves and reaches name.namespace in every namespace: another one, kubernetes.default, one created during the session', async function () {
    this.timeout(300_000);
    const other = await extraNamespace(fx, 'tp-e2e-other');
    let late: string | undefined;
    try {
      await echoServiceIn(fx, other, 'echo');
      const version = (await fx.kubectl(['get', '--raw', '/version'])).trim();
      const token = fx.kc.getCurrentUser()?.token ?? '';
      const ready = path.join(host.dir(), 'late-namespace-ready');
      const log = path.join(host.dir(), 'tp.log');
      // The late name is asked only once the session maps its namespace (the test waits for that in the
      // log): before, the name would go to the workstation's own resolver, off this machine.
      const script = [
        `curl -sS --max-time 20 http://echo.${other}:8080/other; echo`,
        `curl -sSk --max-time 20 ${token ? '-H "Authorization: Bearer $TP_TEST_TOKEN" ' : ''}https://kubernetes.default/version | tr -d '\\n'; echo`,
        `i=0; while [ ! -e ${ready} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done`,
        // A few tries 0.3 s apart: the test cluster may still be programming the new Service's rules when its
        // pod is Ready (a CI run's one curl got no answer); each failure stays on stderr for the assertion.
        'for t in 1 2 3 4 5 6 7 8 9 10; do curl -sS --max-time 20 "http://echo.$(cat ' + ready + '):8080/late" && break; echo "late try $t failed" >&2; sleep 0.3; done; echo',
      ].join('\n');
      const { child } = await launchedSession([...base(), '--run', 'sh', '-c', script], { TP_TEST_TOKEN: token });
      const mappedLine = (ns: string) => new RegExp(`vpn-tcp: namespaces now (.*, )?${ns}(,|$)`, 'm');
      expect(fs.readFileSync(log, 'utf8')).to.match(new RegExp(`vpn-tcp: names of namespaces (.*, )?${other}(,| resolve)`));
      late = await extraNamespace(fx, 'tp-e2e-late');
      await echoServiceIn(fx, late, 'echo');
      await waitFor(`the session to map namespace ${late}`, 30_000, async () => (mappedLine(late!).test(fs.readFileSync(log, 'utf8')) ? true : undefined));
      fs.writeFileSync(ready, late);
      const r = await child;
      expect(r.exitCode, String(r.stderr)).to.equal(0);
      const [otherBody, apiAnswer, lateBody] = String(r.stdout).trim().split('\n');
      const out = `stdout: ${String(r.stdout)}\nstderr: ${String(r.stderr)}`;
      const parsed = (text: string | undefined) => { try { return JSON.parse(text ?? '') as unknown; } catch { return `not JSON: ${text}`; } };
      expect((parsed(otherBody) as { path?: string }).path, out).to.equal('/other');
      expect(parsed(apiAnswer), out).to.deep.equal(JSON.parse(version));
      expect((parsed(lateBody) as { path?: string }).path, out).to.equal('/late');
      await expectHostUnchanged();
    } finally {
      await deleteNamespace(fx, other);
      if (late) await deleteNamespace(fx, late);
    }
  });

  it('stops mapping a namespace deleted during the session', async function () {
    this.timeout(300_000);
    const doomed = await extraNamespace(fx, 'tp-e2e-doomed');
    const log = path.join(host.dir(), 'tp.log');
    const { child } = await launchedSession([...base(), '--run', 'sleep', '301']);
    try {
      expect(fs.readFileSync(log, 'utf8')).to.match(new RegExp(`vpn-tcp: names of namespaces (.*, )?${doomed}(,| resolve)`));
      await deleteNamespace(fx, doomed, true);
      await waitFor(`the session to unmap namespace ${doomed}`, 30_000, async () => {
        const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('vpn-tcp: namespaces now '));
        return lines.length > 0 && !lines.at(-1)!.includes(doomed) && lines.at(-1)!.includes(fx.namespace) ? true : undefined;
      });
    } finally {
      child.kill('SIGTERM');
      await child;
      await deleteNamespace(fx, doomed);
    }
    await expectHostUnchanged();
  });

  it('runs --run-shell in a terminal: two commands, then exit', async () => {
    await echoService(fx, 'echo');
    const term = pty.spawn(BIN, [...base(), '--run-shell'], { cols: 200, rows: 40, env: { ...process.env, PS1: 'sh$ ' } as Record<string, string> });
    let screen = '';
    term.onData((d) => { screen += d; });
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('the prompt', 120_000, async () => (screen.includes('@tp-local|sh$ ') ? true : undefined));
    term.write('curl -sS http://echo:8080/one; echo\r');
    await waitFor('the first answer', 30_000, async () => (screen.includes('"path":"/one"') ? true : undefined));
    term.write('curl -sS http://echo:8080/two; echo\r');
    await waitFor('the second answer', 30_000, async () => (screen.includes('"path":"/two"') ? true : undefined));
    // The shell's own resolver (a mount namespace): its session's process DNS address, not the host's file.
    term.write('grep ^nameserver /etc/resolv.conf\r');
    await waitFor('the shell\'s nameserver', 30_000, async () => (screen.includes('nameserver 127.0.0.186') ? true : undefined));
    term.write('exit\r');
    expect(await exited).to.equal(0);
    await expectHostUnchanged();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`after ${signal} the TUN, routes and resolver are gone and the cluster is clean`, async () => {
      const { child } = await launchedSession([...base(), '--run', 'sleep', '303']);
      expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain('nameserver 127.0.0.153');
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).to.equal(signal === 'SIGINT' ? 130 : 143);
      await expectHostUnchanged();
      expect(await labelledTelepresence(fx)).to.deep.equal([]);
    });
  }

  it('after a SIGKILL: the TUN and its routes die with the process; the next run restores the resolver and says so', async () => {
    const name = `tp-vkill-${Date.now() % 100000}`;
    const { child } = await launchedSession([...base(), '--new-deployment', name, '--run', 'sleep', '302']);
    expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain('nameserver 127.0.0.153');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const node = await execa('pgrep', ['-f', `entry.js -- .*--new-deployment ${name}`]);
    await execa('kill', ['-KILL', ...String(node.stdout).split('\n')]);
    await exited;
    await execa('pkill', ['-f', 'sleep 302'], { reject: false });
    expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.contain('nameserver 127.0.0.153');
    const next = await telepresence([...base(), '--run', 'true']);
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stderr).to.match(/^Repaired: .*resolv\.conf/m);
    expect(next.stderr).to.contain(`Repaired: removed what an earlier session`);
    await child;
    await expectHostUnchanged();
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  describe('beside a VPN that routes 10.0.0.0/8 (a veth into a test namespace)', () => {
    useStagedVpn('tpvpne2e', '10.0.0.1/8', host.recapture);

    it('VNATs the conflicting subnets by default: names resolve to virtual IPs, the VPN keeps the rest of 10/8', async () => {
      await echoService(fx, 'echo');
      const r = await telepresence([...base(), '--run', 'sh', '-c',
        'getent hosts echo; curl -sS --max-time 20 http://echo:8080/vnat; echo; ip route get 10.1.2.3 | head -1; echo "env=$ECHO_SERVICE_HOST"']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const [hosts, body, route, env] = r.stdout.trim().split('\n');
      expect(hosts).to.match(/^246\.246\.0\.\d+\s+echo/);
      expect((JSON.parse(body) as { path: string }).path).to.equal('/vnat');
      expect(route).to.match(/^10\.1\.2\.3 dev tpvpne2e /);
      expect(env).to.match(/^env=246\.246\.0\.\d+$/);
      await expectHostUnchanged();
    });

    it('with routing.autoResolveConflicts: false gives the exact error and changes nothing', async () => {
      const config = path.join(host.dir(), 'config.yml');
      fs.writeFileSync(config, 'routing:\n  autoResolveConflicts: false\n');
      const r = await telepresence([...base(), '--config', config, '--run', 'true']);
      expect(r.exitCode).to.equal(1);
      expect(errorLines(r.stderr)).to.deep.equal([
        'telepresence: error: subnet 10.130.0.0/16 overlaps with existing route "10.0.0.0/8 via 10.0.0.1 dev tpvpne2e, gw <nil>"; ' +
        'subnet 10.132.0.0/16 overlaps with existing route "10.0.0.0/8 via 10.0.0.1 dev tpvpne2e, gw <nil>"',
      ]);
      // Planned before anything is created: no proxy pod either.
      expect(r.stderr).to.not.contain('Creating Deployment');
      await expectHostUnchanged();
      expect(await labelledTelepresence(fx)).to.deep.equal([]);
    });

    it('with allowConflictingSubnets routes the cluster to the TUN, ahead of the VPN', async () => {
      const { clusterIp } = await echoService(fx, 'echo');
      const config = path.join(host.dir(), 'config.yml');
      fs.writeFileSync(config, 'routing:\n  allowConflictingSubnets: [10.128.0.0/9]\n');
      expect(await routeGet(clusterIp)).to.match(/unreachable|No route to host/);
      const r = await telepresence([...base(), '--config', config, '--run', 'sh', '-c',
        `ip route get ${clusterIp} | head -1; curl -sS --max-time 20 http://echo:8080/allowed`]);
      expect(r.exitCode, r.stderr).to.equal(0);
      const [route, body] = r.stdout.trim().split('\n');
      expect(route).to.match(/ dev tp\d+ /);
      expect((JSON.parse(body) as { path: string }).path).to.equal('/allowed');
      await expectHostUnchanged();
    });
  });
});
