// Issue 16's reconnect, end to end: a session's `kubectl port-forward` killed by its pid mid-session, while
// the user process curls the echo Service every 200 ms: failures for at most 5 s, then answers again, and
// exit 0 with nothing left. And with timeouts.reconnect 3 s and the proxy Deployment gone: exit 255 with
// Telepresence 1's text and a clean host.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { echoService, labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { curlLoop, curlResults, expectOneReconnect, LOST_LINE, portForwardPids, RECONNECTED_LINE } from './reconnect-watch.js';
import { errorLines, launchedSession, tmpDir } from './run.js';



describe('reconnect (e2e)', function () {
  this.timeout(180_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;

  for (const method of ['vpn-tcp', 'inject-tcp'] as const) {
    it(`${method}: a killed port-forward comes back; curl fails for at most 5 s; exit 0 and nothing left`, async () => {
      await echoService(fx, 'echo');
      const name = `tp-rc-${Date.now() % 100000}`;
      const out = path.join(host.dir(), 'curl.log');
      const stop = path.join(host.dir(), 'stop');
      const loop = curlLoop('http://echo:8080/loop', out, stop);
      const { child, stderr } = await launchedSession(['--method', method, '--namespace', fx.namespace, '--logfile', path.join(host.dir(), 'tp.log'),
        '--new-deployment', name, '--run', 'sh', '-c', loop]);
      try {
        await waitFor('a few answers before the kill', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= 3 ? true : undefined));
        const [pid, ...more] = await portForwardPids(`${name}-`);
        expect(more, 'one port-forward').to.deep.equal([]);
        const killedAt = Date.now();
        await execa('kill', ['-KILL', String(pid)]);
        await waitFor('an answer after the kill', 30_000, () => (curlResults(out).some((r) => r.ok && r.at > killedAt + 50) ? true : undefined));
        const after = curlResults(out).filter((r) => r.at > killedAt);
        const firstOk = after.find((r) => r.ok)!;
        // From the kill to the first answer again: at most 5 s (any failures lie within it).
        expect(firstOk.at - killedAt, JSON.stringify(after)).to.be.at.most(5000);
        await waitFor('the recovery line', 10_000, () => (RECONNECTED_LINE.test(stderr()) ? true : undefined));
        const [newPid, ...others] = await portForwardPids(`${name}-`);
        expect(others, 'one port-forward after the reconnect').to.deep.equal([]);
        expect(newPid).to.not.equal(pid);
        // A few more answers on the new connection, then the loop ends.
        const okBefore = curlResults(out).filter((r) => r.ok).length;
        await waitFor('answers on the new connection', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= okBefore + 3 ? true : undefined));
      } finally {
        fs.writeFileSync(stop, '');
      }
      const r = await child;
      expect(r.exitCode, String(r.stderr)).to.equal(0);
      expectOneReconnect(String(r.stderr));
      expect(await portForwardPids(`${name}-`)).to.deep.equal([]);
      expect(await hostState()).to.deep.equal(host.initial());
      expect(await labelledTelepresence(fx)).to.deep.equal([]);
    });
  }

  it('vpn-tcp: timeouts.reconnect 3 s and the proxy Deployment deleted: exit 255 with Telepresence 1\'s text, a clean host', async () => {
    const name = `tp-rcg-${Date.now() % 100000}`;
    const config = path.join(host.dir(), 'config.yml');
    fs.writeFileSync(config, 'timeouts:\n  reconnect: 3s\n');
    const { child, stderr } = await launchedSession(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--logfile', path.join(host.dir(), 'tp.log'),
      '--config', config, '--new-deployment', name, '--run', 'sleep', '305']);
    const [pid] = await portForwardPids(`${name}-`);
    const pods = async () => (await fx.kubectl(['get', 'pods', '-o', 'name'])).split('\n').filter((l) => l.includes(name));
    expect(await pods()).to.have.length(1);
    await fx.kubectl(['delete', 'deployment', name, '--wait=false']);
    await waitFor('the proxy pod to be gone', 60_000, async () => ((await pods()).length === 0 ? true : undefined));
    // The port-forward to a pod that is gone may stay up until it is used: its loss is made certain here.
    await execa('kill', ['-KILL', String(pid)], { reject: false });
    const lostAt = Date.now();
    await waitFor('the loss line', 15_000, () => (LOST_LINE.test(stderr()) ? true : undefined));
    const r = await child;
    expect(Date.now() - lostAt).to.be.within(2500, 30_000);
    expect(r.exitCode).to.equal(255);
    const text = String(r.stderr);
    expect(errorLines(text).at(-1)).to.equal('telepresence: error: Proxy to Kubernetes exited. This is typically due to a lost connection.');
    expect(text).to.not.match(RECONNECTED_LINE);
    expect(fs.readFileSync(path.join(host.dir(), 'tp.log'), 'utf8')).to.match(/connection lost: could not reconnect within 3\.0 s \(timeouts\.reconnect; \d+ attempts\): /);
    expect(await portForwardPids(`${name}-`)).to.deep.equal([]);
    expect(String((await execa('pgrep', ['-af', 'sleep 305'], { reject: false })).stdout)).to.equal('');
    expect(await hostState()).to.deep.equal(host.initial());
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });
});
