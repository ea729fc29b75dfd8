// SYNs taken at once through a real TUN (issue 17, first-byte latency): a repeat connection to a destination
// that answered is accepted while its dial is still held back (the harness gates dials to 10.130.0.95
// until told "open"), bytes sent before the dial opened arrive intact, a destination that stopped
// answering resets the connection taken at once, and refusals of destinations not answered before stay
// connect() failures (ECONNREFUSED).
import { expect } from 'chai';
import crypto from 'node:crypto';
import { createNetns, deleteNetns, NsProcess, pollUntil, setRpFilter, startHarness } from './netns.js';
import { pattern } from './early-peer.js';

const NS = 'tpvif-early';
const PORT = 18100;
const digest = (n: number): string => `sha256 ${crypto.createHash('sha256').update(pattern(n)).digest('hex')} ${n}`;

interface Stats { early: number; refused: number }

describe('VIF: a repeat SYN is taken at once, its dial in parallel (root, netns tpvif-early)', function () {
  this.timeout(60000);
  let harness: NsProcess;
  let server: NsProcess;

  const client = (host: string, port: number, bytes: number) => new NsProcess(NS, './early-peer.js', ['client', host, String(port), String(bytes)]);
  const line = async (p: NsProcess) => JSON.parse(await p.next()) as Record<string, unknown>;
  /** Until the harness holds `n` gated dials to PORT (nothing answered them yet). */
  const gatedDials = (n: number) => pollUntil('the gated dials', () => harness.ask<string[]>('dials'),
    (d) => d.filter((x) => x === `10.130.0.95:${PORT} (gated)`).length === n, 10000);

  before(async () => {
    await createNetns(NS);
    await setRpFilter(NS, 1);
    server = new NsProcess(NS, './early-peer.js', ['server', String(PORT)]);
    expect(await line(server)).to.deep.equal({ listening: PORT });
    ({ harness } = await startHarness(NS, { name: 'tpvifearly0', gate: true }));
  });

  after(async () => {
    await deleteNetns(NS);
  });

  it('a first connection waits for its dial: connect() returns only after the cluster side answered', async () => {
    const first = client('10.130.0.95', PORT, 1000);
    await gatedDials(1);
    // Held: the dial is unanswered, so the client has not connected (its first line comes after "open").
    let said = '';
    await first.next(300).then((l) => (said = l), () => {});
    expect(said).to.equal('');
    expect(await harness.ask('open')).to.deep.equal({ opened: 1 });
    expect(await line(first)).to.deep.equal({ connected: true });
    expect(await line(first)).to.deep.equal({ answer: digest(1000) });
    expect((await harness.ask<Stats>('stats')).early).to.equal(0);
  });

  it('a repeat connection is accepted before its dial answers; the 300000 bytes sent meanwhile arrive intact', async () => {
    const repeat = client('10.130.0.95', PORT, 300_000);
    expect(await line(repeat)).to.deep.equal({ connected: true }); // while its dial is gated
    await gatedDials(2);
    expect((await harness.ask<Stats>('stats')).early).to.equal(1);
    expect(await harness.ask('open')).to.deep.equal({ opened: 1 });
    expect(await line(repeat)).to.deep.equal({ answer: digest(300_000) });
  });

  it('after the server stops, a repeat connection taken at once is reset when its dial is refused', async () => {
    await server.proc.kill('SIGKILL');
    await server.proc;
    const taken = client('10.130.0.95', PORT, 10);
    expect(await line(taken)).to.deep.equal({ connected: true });
    await gatedDials(3);
    expect(await harness.ask('open')).to.deep.equal({ opened: 1 });
    expect(await line(taken)).to.deep.equal({ error: 'ECONNRESET' });
    expect((await harness.ask<Stats>('stats')).early).to.equal(2);
  });

  it('the next connection to it waits again, and its refusal is a connect() failure (ECONNREFUSED)', async () => {
    const next = client('10.130.0.95', PORT, 10);
    await gatedDials(4);
    expect(await harness.ask('open')).to.deep.equal({ opened: 1 });
    expect(await line(next)).to.deep.equal({ error: 'ECONNREFUSED' });
    expect((await harness.ask<Stats>('stats')).early).to.equal(2);
  });

  it('a port never answered is refused at once (ECONNREFUSED), not taken', async () => {
    const refused = client('10.130.0.10', 18101, 10);
    expect(await line(refused)).to.deep.equal({ error: 'ECONNREFUSED' });
    expect((await harness.ask<Stats>('stats')).early).to.equal(2);
  });
});
