// Issue 16's reconnect through a restart of the test cluster's API server (`npm run cluster --
// restart-apiserver`): the session's port-forward (its streams go through the API server) is lost, the
// session reconnects, the user process's curl loop fails for at most 5 s; the session's namespace watch (and
// teleproxy's DNS watch) carry on (a namespace made after the restart is mapped, its Service answered),
// `telepresence status` lists it, and it ends with exit 0, its Deployment deleted and nothing left on the host.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { deleteNamespace, echoService, echoServiceIn, extraNamespace, labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { curlLoop, curlResults, expectOneReconnect, portForwardPids, RECONNECTED_LINE } from './reconnect-watch.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cluster/cli.js');
const STOPPED = /^cluster: stopped the API server \(pid \d+\) in (\d+\.\d\d) s; starting it again$/m;
const RESTARTED = /^cluster: API server restarted in (\d+\.\d\d) s /m;


/** Restarts the API server; `lostAt`: when the old one got SIGTERM (the line's arrival less its stop time). */
async function restartApiServer(): Promise<{ lostAt: number; restartMs: number }> {
  const child = execa(process.execPath, [CLI, 'restart-apiserver'], { reject: false });
  let stderr = '';
  let lostAt = 0;
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = STOPPED.exec(stderr);
    if (m && !lostAt) lostAt = Date.now() - Number(m[1]) * 1000;
  });
  const r = await child;
  expect(r.exitCode, stderr).to.equal(0);
  expect(lostAt, stderr).to.be.above(0);
  return { lostAt, restartMs: Number(RESTARTED.exec(stderr)![1]) * 1000 };
}

describe('API server restart mid-session (e2e)', function () {
  this.timeout(240_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;
  before(function () {
    if (process.env.TP_E2E_KUBECONFIG) this.skip(); // a cluster of someone else's: its API server is not ours to restart
  });

  for (const method of ['vpn-tcp', 'teleproxy', 'inject-tcp'] as const) {
    const wholeHost = method !== 'inject-tcp';
    const watches = method === 'teleproxy' ? 'the namespace and DNS watches carry on' : 'the namespace watch carries on';
    it(`${method}: the session reconnects; curl fails for at most 5 s; ${wholeHost ? `${watches}; ` : ''}status lists it; exit 0 and nothing left`, async () => {
      await echoService(fx, 'echo');
      const name = `tp-ar-${Date.now() % 100000}`;
      const out = path.join(host.dir(), 'curl.log');
      const stop = path.join(host.dir(), 'stop');
      const log = path.join(host.dir(), 'tp.log');
      const env = { XDG_CACHE_HOME: path.join(host.dir(), 'cache') };
      const loop = curlLoop('http://echo:8080/loop', out, stop);
      const { child, stderr } = await launchedSession(['--method', method, '--namespace', fx.namespace, '--logfile', log,
        '--new-deployment', name, '--run', 'sh', '-c', loop], env);
      let late: string | undefined;
      try {
        await waitFor('a few answers before the restart', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= 3 ? true : undefined));
        const [pid, ...more] = await portForwardPids(`${name}-`);
        expect(more, 'one port-forward').to.deep.equal([]);

        const { lostAt, restartMs } = await restartApiServer();
        await waitFor('an answer after the restart', 30_000, () => (curlResults(out).some((r) => r.ok && r.at > lostAt + 50) ? true : undefined));
        const after = curlResults(out).filter((r) => r.at > lostAt);
        const firstOk = after.find((r) => r.ok)!;
        const failures = after.filter((r) => r.at < firstOk.at);
        // From the loss to the first answer again: at most 5 s (any failures lie within it).
        expect(firstOk.at - lostAt, JSON.stringify(after)).to.be.at.most(5000);
        await waitFor('the recovery line', 15_000, () => (RECONNECTED_LINE.test(stderr()) ? true : undefined));
        const reconnectS = Number(RECONNECTED_LINE.exec(stderr())![1]);
        console.log(`      ${method}: API server restart ${(restartMs / 1000).toFixed(2)} s; first answer ${((firstOk.at - lostAt) / 1000).toFixed(2)} s after the loss`
          + ` (${failures.length} failed curls${failures.length ? `, ${failures[0].at - lostAt}..${failures.at(-1)!.at - lostAt} ms` : ''}); reconnected in ${reconnectS} s`);
        const [newPid, ...others] = await portForwardPids(`${name}-`);
        expect(others, 'one port-forward after the reconnect').to.deep.equal([]);
        expect(newPid).to.not.equal(pid);

        // `telepresence status` (it reads the journal and asks the API server about the Deployment) lists the session.
        const status = await telepresence(['status', '--json'], env);
        expect(status.exitCode, status.stderr).to.equal(0);
        const listed = JSON.parse(status.stdout) as { sessions: { pid: number; namespace: string; method: string; deployment: string }[] };
        expect(listed.sessions.map((s) => [s.pid, s.namespace, s.method, s.deployment])).to.deep.equal([[child.pid, fx.namespace, method, name]]);

        if (wholeHost) {
          // The session's namespace watch broke with the API server and came back: a namespace made now is mapped
          // (and with teleproxy its Service is answered from the table its DNS watch keeps).
          late = await extraNamespace(fx, 'tp-e2e-late');
          await echoServiceIn(fx, late, 'echo');
          const mapped = new RegExp(`${method}: namespaces now (.*, )?${late}(,|$)`, 'm');
          await waitFor(`the session to map namespace ${late}`, 30_000, async () => (mapped.test(fs.readFileSync(log, 'utf8')) ? true : undefined));
          // The name may resolve before the node's Service rules have the new pod (curl: (7) in 8 ms, seen in CI):
          // that is the cluster's lag, so the curl is repeated until it answers, for at most 20 s.
          const r = await waitFor(`echo.${late} to answer`, 20_000, async () => {
            const c = await execa('curl', ['-sS', '--max-time', '5', `http://echo.${late}:8080/late`], { reject: false });
            return c.exitCode === 0 ? c : undefined;
          }, 250);
          expect((JSON.parse(String(r.stdout)) as { path: string }).path).to.equal('/late');
        }
        // A few more answers on the new connection, then the loop ends.
        const okBefore = curlResults(out).filter((r) => r.ok).length;
        await waitFor('answers on the new connection', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= okBefore + 3 ? true : undefined));
      } finally {
        fs.writeFileSync(stop, '');
      }
      try {
        const r = await child;
        expect(r.exitCode, String(r.stderr)).to.equal(0);
        expectOneReconnect(String(r.stderr));
        // The session's cleanup reached the API server: its Deployment is gone; nothing is left on the host.
        expect(await portForwardPids(`${name}-`)).to.deep.equal([]);
        expect(await hostState()).to.deep.equal(host.initial());
        expect(await labelledTelepresence(fx)).to.deep.equal([]);
        expect(await telepresence(['status'], env)).to.deep.equal({ exitCode: 0, stdout: 'No telepresence sessions on this workstation.', stderr: '' });
      } finally {
        if (late) await deleteNamespace(fx, late);
      }
    });
  }
});
