// The latency bench's client (node:net only; it runs under `telepresence --run`, torsocks, sshuttle):
// sequential connect + one-byte request + first byte of the answer, against netperf.ts's LAT_PORT server.
//   FIRST="ip:port,..."  each target once (a destination new to the path each time);
//   REPEAT="ip:port" REQUESTS=n  n times to the same target, after one connection that warms it.
// Before measuring, the REPEAT target is retried for up to WAIT_MS (a path still being set up).
// Prints LATENCY_RESULT {"first":{...},"repeat":{...}}, each {n, connectP50, p50, p99} in ms.
import net from 'node:net';

const env = process.env;
const TIMEOUT_MS = 20_000;

interface One { connect: number; total: number }

/** Resolves with connect and connect-to-first-byte times; rejects on an error or after TIMEOUT_MS. */
export function oneRequest(host: string, port: number): Promise<One> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    let connect = 0;
    const sock = net.connect(port, host);
    const timer = setTimeout(() => fail(new Error(`${host}:${port}: no answer after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    const fail = (e: Error): void => { clearTimeout(timer); sock.destroy(); reject(e); };
    sock.on('error', (e) => fail(new Error(`${host}:${port}: ${e.message}`)));
    sock.once('connect', () => { connect = ms(); sock.write('x'); });
    sock.once('data', () => {
      const total = ms();
      clearTimeout(timer);
      sock.end();
      sock.once('close', () => resolve({ connect, total }));
    });
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export interface Figures { n: number; connectP50: number; p50: number; p99: number }
function figures(runs: One[]): Figures {
  const c = runs.map((r) => r.connect).sort((a, b) => a - b);
  const t = runs.map((r) => r.total).sort((a, b) => a - b);
  return { n: runs.length, connectP50: pct(c, 0.5), p50: pct(t, 0.5), p99: pct(t, 0.99) };
}

const split = (target: string): [string, number] => {
  const at = target.lastIndexOf(':');
  return [target.slice(0, at), Number(target.slice(at + 1))];
};

async function main(): Promise<void> {
  const first = (env.FIRST ?? '').split(',').filter(Boolean).map(split);
  const [host, port] = split(env.REPEAT ?? '');
  for (const deadline = Date.now() + Number(env.WAIT_MS ?? 30_000); ;) {
    try {
      await oneRequest(host, port);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const firstRuns: One[] = [];
  for (const [h, p] of first) firstRuns.push(await oneRequest(h, p));
  const repeatRuns: One[] = [];
  await oneRequest(host, port); // the destination answered just now: what a repeat connection finds
  for (let i = 0; i < Number(env.REQUESTS ?? 200); i++) repeatRuns.push(await oneRequest(host, port));
  console.log(`LATENCY_RESULT ${JSON.stringify({ first: figures(firstRuns), repeat: figures(repeatRuns) })}`);
}

if (env.LATENCY_CLIENT === '1') {
  main().catch((err: Error) => {
    console.error(`latency client: ${err.message}`);
    process.exit(1);
  });
}
