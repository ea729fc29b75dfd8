// The scale bench's client (node:net only; run as the user process of a session): for each count of STEPS,
// opens that many connections to HOST:PORT (an echo server) at once, holds them open for the step's time,
// each sending CHUNK bytes every INTERVAL_MS and waiting for their echo, then closes them all.
// Prints `SCALE_MARK <event> <count>` as it goes (the bench times the launcher's samples by them) and one
// `SCALE_RESULT {...}` line per step. IDLE_MS of quiet before the first step and after the last.
import net from 'node:net';

const env = process.env;
const STEPS = (env.STEPS ?? '1,10,100,1000').split(',').map(Number);
const HOLD_MS = Number(env.HOLD_MS ?? 10_000);
const HOLD_LAST_MS = Number(env.HOLD_LAST_MS ?? 30_000);
const INTERVAL_MS = Number(env.INTERVAL_MS ?? 250);
const CHUNK = Number(env.CHUNK ?? 256);
const IDLE_MS = Number(env.IDLE_MS ?? 4000);
/** A connect or a round trip slower than this counts as failed. */
const TIMEOUT_MS = Number(env.TIMEOUT_MS ?? 15_000);

export interface StepResult { count: number; connected: number; failures: number; reasons: string[]; openSeconds: number;
  holdSeconds: number; roundTrips: number; bytes: number; p50: number; p99: number }

const mark = (event: string, count: number): void => console.log(`SCALE_MARK ${event} ${count}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One connection: connect, then round trips until `stopAt`; latencies (ms) into `lat`; resolves with a failure or null. */
class Conn {
  sock!: net.Socket;
  failure: string | null = null;
  constructor(private readonly host: string, private readonly port: number, private readonly lat: number[], private readonly counts: { rt: number }) {}

  /**
   * The deadline starts once connect() has been called (node calls it on the next tick; setImmediate runs after
   * that): under inject-tcp torsocks makes the SOCKS handshake inside the connect() call, blocking this one
   * thread, so the connects of a step run one after another.
   */
  open(): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (failure?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure) this.fail(failure);
        resolve();
      };
      this.sock = net.connect(this.port, this.host, () => settle());
      setImmediate(() => {
        if (!settled) timer = setTimeout(() => settle(`connect timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS);
      });
      this.sock.setNoDelay(true);
      this.sock.on('error', (e) => { settle(e.message); this.fail(e.message); });
      this.sock.on('close', () => { settle('closed by the other end'); this.fail('closed by the other end'); });
    });
  }

  fail(why: string): void {
    if (this.failure === null) this.failure = why;
    this.sock?.destroy();
  }

  async run(stopAt: number, payload: Buffer): Promise<void> {
    await sleep(Math.random() * INTERVAL_MS); // spread the round trips over the interval
    while (this.failure === null && Date.now() < stopAt) {
      const started = process.hrtime.bigint();
      const ok = await new Promise<boolean>((resolve) => {
        let got = 0;
        const timer = setTimeout(() => { this.fail(`no echo within ${TIMEOUT_MS} ms`); done(false); }, TIMEOUT_MS);
        const onData = (d: Buffer): void => { got += d.length; if (got >= payload.length) done(got === payload.length); };
        const onClose = (): void => done(false);
        const done = (v: boolean): void => {
          clearTimeout(timer);
          this.sock.off('data', onData).off('close', onClose);
          resolve(v);
        };
        this.sock.on('data', onData).once('close', onClose);
        this.sock.write(payload);
      });
      if (!ok) { this.fail(this.failure ?? 'echo of the wrong length'); break; }
      this.lat.push(Number(process.hrtime.bigint() - started) / 1e6);
      this.counts.rt++;
      await sleep(Math.max(0, INTERVAL_MS - Number(process.hrtime.bigint() - started) / 1e6));
    }
  }
}

const pct = (sorted: number[], p: number): number => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;

async function step(host: string, port: number, count: number, holdMs: number): Promise<StepResult> {
  const lat: number[] = [];
  const counts = { rt: 0 };
  const payload = Buffer.alloc(CHUNK, 0x61);
  mark('open', count);
  const t0 = Date.now();
  const conns = Array.from({ length: count }, () => new Conn(host, port, lat, counts));
  await Promise.all(conns.map((c) => c.open()));
  const openSeconds = (Date.now() - t0) / 1000;
  const connected = conns.filter((c) => c.failure === null).length;
  mark('hold', count);
  const h0 = Date.now();
  await Promise.all(conns.map((c) => c.run(h0 + holdMs, payload)));
  const holdSeconds = (Date.now() - h0) / 1000;
  const failed = conns.filter((c) => c.failure !== null);
  mark('close', count);
  await Promise.all(conns.map((c) => new Promise<void>((resolve) => {
    if (c.sock.destroyed) return resolve();
    c.sock.removeAllListeners('close').once('close', () => resolve());
    c.sock.end();
    setTimeout(() => { c.sock.destroy(); resolve(); }, 5000).unref();
  })));
  mark('closed', count);
  lat.sort((a, b) => a - b);
  const reasons = [...new Set(failed.map((c) => c.failure!))].slice(0, 5);
  return { count, connected, failures: failed.length, reasons, openSeconds, holdSeconds, roundTrips: counts.rt,
    bytes: counts.rt * CHUNK * 2, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function main(): Promise<void> {
  const host = env.HOST;
  const port = Number(env.PORT ?? 9003);
  if (!host) throw new Error('scale client: set HOST to the echo server address');
  mark('idle', 0);
  await sleep(IDLE_MS);
  for (const [i, count] of STEPS.entries()) {
    const r = await step(host, port, count, i === STEPS.length - 1 ? HOLD_LAST_MS : HOLD_MS);
    console.log(`SCALE_RESULT ${JSON.stringify(r)}`);
  }
  mark('idle-after', 0);
  await sleep(IDLE_MS);
  mark('end', 0);
}

main().catch((err: Error) => {
  console.error(`scale client: ${err.message}`);
  process.exit(1);
});
