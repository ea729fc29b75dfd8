// The throughput bench's two ends, one file with node:net and node:fs only, so that its compiled text also runs in a
// pod (`node --input-type=module -e`). Configured by environment variables, result on stdout as JSON:
//   NETPERF=server: port BULK_PORT sends BYTES bytes to each connection, then ends it; port LAT_PORT
//     answers each byte it reads with one byte; port ECHO_PORT echoes all it reads (the scale bench).
//     Port PAR_PORT (when set) reads a decimal byte count and a newline, sends that many bytes, then ends it.
//   NETPERF=client HOST=.. : BULK_RUNS downloads of BYTES bytes (the median counts), then (PAR_STREAMS > 0)
//     BULK_RUNS times PAR_STREAMS parallel downloads of BYTES / PAR_STREAMS each, then REQUESTS
//     sequential connect + one-byte request + first byte of the answer; prints {"mbps","p50","p99",..}.
//     With WAIT_MS it first retries one such request for that long (a path that is still being set up).
//     With MARKS=1 it prints `NETPERF_MARK <phase> start|end` lines around the bulk phases (the bench
//     samples CPU then), after `NETPERF_MARK hello <pid>` and, with GO_FILE, once that file exists.
import { existsSync } from 'node:fs';
import net from 'node:net';

const env = process.env;
const BULK_PORT = Number(env.BULK_PORT ?? 9001);
const LAT_PORT = Number(env.LAT_PORT ?? 9002);
const ECHO_PORT = Number(env.ECHO_PORT ?? 9003);
const BYTES = Number(env.BYTES ?? 100 * 1024 * 1024);
const REQUESTS = Number(env.REQUESTS ?? 200);
const BULK_RUNS = Number(env.BULK_RUNS ?? 3);
const TIMEOUT_MS = Number(env.TIMEOUT_MS ?? 120_000);
const WAIT_MS = Number(env.WAIT_MS ?? 0);
const PAR_PORT = Number(env.PAR_PORT ?? 9004);
const PAR_STREAMS = Number(env.PAR_STREAMS ?? 0);
const MARKS = env.MARKS === '1';

/** Writes `bytes` of `chunk`'s pattern to the socket as fast as it drains, then ends it; reads are discarded. */
function send(sock: net.Socket, bytes: number, chunk: Buffer): void {
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void sock.once('drain', pump);
    }
    sock.end();
  };
  pump();
  sock.resume();
}

function serve(): void {
  const chunk = Buffer.alloc(256 * 1024, 0x62);
  net.createServer((sock) => {
    sock.on('error', () => sock.destroy());
    send(sock, BYTES, chunk);
  }).listen(BULK_PORT);
  if (env.PAR_PORT) net.createServer((sock) => {
    sock.on('error', () => sock.destroy());
    let head = '';
    const onHead = (d: Buffer): void => {
      head += d.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      sock.off('data', onHead);
      send(sock, Number(head.slice(0, nl)), chunk);
    };
    sock.on('data', onHead);
  }).listen(PAR_PORT);
  net.createServer((sock) => {
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => sock.write(d.subarray(0, 1)));
    sock.on('end', () => sock.end());
  }).listen(LAT_PORT, () => console.log(`netperf server on ${BULK_PORT} and ${LAT_PORT}`));
  // A backlog for the scale bench's 1,000 connections opened at once (the default is 511).
  net.createServer((sock) => {
    sock.on('error', () => sock.destroy());
    sock.pipe(sock);
  }).listen({ port: ECHO_PORT, backlog: 4096 });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

/** Resolves with `what`'s result, or rejects after TIMEOUT_MS so that no run hangs. */
function bounded<T>(what: string, sock: net.Socket, body: (done: (v: T) => void, fail: (e: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what}: no result after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    const fail = (e: Error): void => { clearTimeout(timer); sock.destroy(); reject(e); };
    sock.on('error', (e) => fail(new Error(`${what}: ${e.message}`)));
    body((v) => { clearTimeout(timer); resolve(v); }, fail);
  });
}

/** One download of `bytes` (PAR_PORT: asked for; BULK_PORT: the server's BYTES); resolves with the seconds it took. */
function bulk(host: string, port = BULK_PORT, bytes = BYTES): Promise<number> {
  const started = process.hrtime.bigint();
  const sock = net.connect(port, host);
  if (port === PAR_PORT) sock.write(`${bytes}\n`);
  return bounded('bulk download', sock, (done, fail) => {
    let got = 0;
    sock.on('data', (d: Buffer) => { got += d.length; });
    sock.on('end', () => {
      sock.end();
      if (got !== bytes) return fail(new Error(`bulk download: got ${got} bytes, expected ${bytes}`));
      done(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

/** PAR_STREAMS downloads at once of BYTES / PAR_STREAMS each: the aggregate MB/s (all bytes over the wall time). */
async function parallel(host: string): Promise<number> {
  const each = Math.floor(BYTES / PAR_STREAMS);
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: PAR_STREAMS }, () => bulk(host, PAR_PORT, each)));
  return (each * PAR_STREAMS) / (1024 * 1024) / (Number(process.hrtime.bigint() - started) / 1e9);
}

const mark = (what: string): void => {
  if (MARKS) console.log(`NETPERF_MARK ${what}`);
};

/** With MARKS: says hello (with this pid, which the bench leaves out of its CPU sums) and waits for GO_FILE. */
async function hello(): Promise<void> {
  if (!MARKS) return;
  mark(`hello ${process.pid}`);
  const file = env.GO_FILE;
  if (!file) return;
  for (const deadline = Date.now() + TIMEOUT_MS; !existsSync(file);) {
    if (Date.now() > deadline) throw new Error(`netperf client: ${file} did not appear within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function firstByte(host: string): Promise<number> {
  const started = process.hrtime.bigint();
  const sock = net.connect(LAT_PORT, host);
  return bounded('latency request', sock, (done) => {
    sock.once('connect', () => sock.write('x'));
    sock.once('data', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      sock.end();
      sock.once('close', () => done(ms));
    });
  });
}

/** Until WAIT_MS have passed, one request each 200 ms (each bounded by 1 s) until one is answered. */
async function waitAnswered(host: string): Promise<void> {
  for (const deadline = Date.now() + WAIT_MS; ;) {
    const answered = await new Promise<boolean>((resolve) => {
      const sock = net.connect(LAT_PORT, host, () => sock.write('x'));
      const done = (ok: boolean): void => { clearTimeout(timer); sock.destroy(); resolve(ok); };
      const timer = setTimeout(() => done(false), 1000);
      sock.once('data', () => done(true));
      sock.once('error', () => done(false));
      sock.once('close', () => done(false));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`netperf client: ${host}:${LAT_PORT} did not answer within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function client(): Promise<void> {
  const host = env.HOST;
  if (!host) throw new Error('netperf client: set HOST to the server address');
  if (WAIT_MS > 0) await waitAnswered(host);
  await hello();
  const rates: number[] = [];
  mark('bulk start');
  for (let i = 0; i < BULK_RUNS; i++) rates.push(BYTES / (1024 * 1024) / await bulk(host));
  mark('bulk end');
  rates.sort((a, b) => a - b);
  const parRates: number[] = [];
  if (PAR_STREAMS > 0) {
    mark('par start');
    for (let i = 0; i < BULK_RUNS; i++) parRates.push(await parallel(host));
    mark('par end');
    parRates.sort((a, b) => a - b);
  }
  const lat: number[] = [];
  for (let i = 0; i < REQUESTS; i++) lat.push(await firstByte(host));
  lat.sort((a, b) => a - b);
  const par = PAR_STREAMS > 0 ? { streams: PAR_STREAMS, mbps: pct(parRates, 0.5), rates: parRates } : undefined;
  const result = { bytes: BYTES, mbps: pct(rates, 0.5), rates, p50: pct(lat, 0.5), p99: pct(lat, 0.99), par };
  console.log(`NETPERF_RESULT ${JSON.stringify(result)}`);
}

if (env.NETPERF === 'server') serve();
else if (env.NETPERF === 'client') {
  client().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
