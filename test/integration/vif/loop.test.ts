// The connect recursion of a local cluster, made real: the connector dials the same IP:port through
// the TUN, so each dial makes the next SYN into the VIF. With the guard (the default) the recursive
// attempt is held, the first times out, both fail and the client's connect is reset within the connect
// timeout, with the connector called once; without it the connector is called again and again.
import { expect } from 'chai';
import { createNetns, curl, deleteNetns, NsProcess, pollUntil, type Ready } from './netns.js';

const NS = 'tpvif-loop';
const CONNECT_TIMEOUT_MS = 1500;

async function startLoop(dialGuard: boolean): Promise<NsProcess> {
  const harness = new NsProcess(NS, './loop-harness.js', [JSON.stringify({ name: 'tploop0', dialGuard, connectTimeoutMs: CONNECT_TIMEOUT_MS })]);
  const ready = JSON.parse(await harness.next()) as Ready;
  if (!ready.ready) throw new Error(`the loop harness failed: ${ready.error}`);
  return harness;
}

describe('VIF: the connect recursion guard against a real loop through the TUN (root, netns tpvif-loop)', function () {
  this.timeout(60000);

  beforeEach(() => createNetns(NS));
  afterEach(() => deleteNetns(NS));

  it('with the guard: the client is reset within the connect timeout, the connector was called once, the log says so', async () => {
    const harness = await startLoop(true);
    const started = Date.now();
    const r = await curl(NS, 'http://10.130.0.99:81/', ['--connect-timeout', '10']);
    const took = Date.now() - started;
    // curl's 7: the connection was refused (the VIF's RST), not its own 10 s connect timeout (28).
    expect(r.code).to.equal(7);
    expect(took).to.be.within(CONNECT_TIMEOUT_MS - 100, CONNECT_TIMEOUT_MS + 1500);
    expect(await harness.ask<string[]>('calls')).to.deep.equal(['10.130.0.99:81']);
    const log = await harness.ask<string[]>('log');
    expect(log.filter((l) => l.startsWith('vif: guard:'))).to.deep.equal([
      'vif: guard: holding connects to 10.130.0.99:81 while the first is in flight',
      `vif: guard: 10.130.0.99:81 failed (no answer within ${CONNECT_TIMEOUT_MS} ms): 1 held attempt failed with it`,
    ]);
    // Still only one call a while later: the loop did not go on behind the client's back.
    await new Promise((r) => setTimeout(r, 500));
    expect(await harness.ask<string[]>('calls')).to.have.length(1);
    expect((await harness.ask<{ failures: unknown[] }>('teardown')).failures).to.deep.equal([]);
  });

  it('without the guard the same connect loops: the connector is called again and again', async () => {
    const harness = await startLoop(false);
    void curl(NS, 'http://10.130.0.99:81/', ['--connect-timeout', '3']);
    const calls = await pollUntil('connector calls', () => harness.ask<string[]>('calls'), (c) => c.length >= 20, 5000);
    expect(new Set(calls)).to.deep.equal(new Set(['10.130.0.99:81']));
  });
});
