// TEST FIXTURES: the "pod" servers that port-forward tests reach (echo, reply-after-EOF, sink, source, HTTP) on
// 127.0.0.1, and a supervised `kubectl port-forward` that reports the local port it chose.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { execa, ResultPromise } from 'execa';

export const CHUNK = crypto.randomBytes(1024 * 1024);

/** The kubectl under test (1.32 here: it tries the WebSocket tunnel first) and an older one that speaks only
 * SPDY (1.29); the Google Cloud SDK's kubectl dispatcher installs both. */
export const KUBECTL = process.env.TP_KUBECTL ?? '/usr/bin/kubectl';
export const KUBECTL_SPDY_ONLY = process.env.TP_KUBECTL_SPDY_ONLY ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.29';

export interface PodServers {
  /** Pod port -> loopback port of its server. 8081 maps to a port where nothing listens. */
  map: Record<number, number>;
  refusedPort: number;
  close(): void;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** 8080: HTTP `hello from pod`; 7000: echo; 7001: replies `got N bytes: <text>` after the client's EOF;
 * 7002: sink, answers `<bytes> <sha256>` after EOF; 7003: source of `sourceBytes` bytes (CHUNK repeated). */
export async function startPodServers(sourceBytes: number): Promise<PodServers> {
  const servers: net.Server[] = [];
  const add = async (s: net.Server) => { servers.push(s); return listen(s); };
  const httpServer = http.createServer((req, res) => res.end(`hello from pod, ${req.method} ${req.url}\n`));
  const echo = net.createServer((s) => s.pipe(s));
  const replyAfterEnd = net.createServer({ allowHalfOpen: true }, (s) => {
    let text = '';
    s.on('data', (d: Buffer) => { text += d.toString(); });
    s.on('end', () => s.end(`got ${Buffer.byteLength(text)} bytes: ${text}`));
  });
  const sink = net.createServer({ allowHalfOpen: true }, (s) => {
    const hash = crypto.createHash('sha256');
    let n = 0;
    s.on('data', (d: Buffer) => { n += d.length; hash.update(d); });
    s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
  });
  const source = net.createServer((s) => {
    let sent = 0;
    const pump = () => {
      while (sent < sourceBytes) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, sourceBytes - sent));
        sent += piece.length;
        if (!s.write(piece)) return void s.once('drain', pump);
      }
      s.end();
    };
    s.on('error', () => undefined);
    pump();
  });
  const refused = net.createServer();
  const refusedPort = await listen(refused);
  await new Promise<void>((resolve) => refused.close(() => resolve()));
  const map: Record<number, number> = {
    8080: await add(httpServer), 7000: await add(echo), 7001: await add(replyAfterEnd), 7002: await add(sink),
    7003: await add(source), 8081: refusedPort,
  };
  return {
    map, refusedPort,
    close: () => {
      for (const s of servers) {
        (s as http.Server).closeAllConnections?.();
        s.close();
      }
    },
  };
}

export interface KubectlForward {
  /** Remote (pod) port -> the local port kubectl chose. */
  local: Record<number, number>;
  /** stdout and stderr so far. */
  output(): string;
  proc: ResultPromise;
  stop(): Promise<void>;
}

/** `kubectl port-forward TARGET :REMOTE...`; resolves when kubectl has printed the local port of each. */
export async function startKubectlForward(kubectl: string, kubeconfig: string, cacheDir: string, target: string,
  remotePorts: number[], env: Record<string, string> = {}, namespace?: string): Promise<KubectlForward> {
  const proc = execa(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...(namespace ? ['-n', namespace] : []),
    'port-forward', target, ...remotePorts.map((p) => `:${p}`)],
  { reject: false, all: true, extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cacheDir, ...env } });
  let out = '';
  proc.all?.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 20_000;
  const local: Record<number, number> = {};
  while (Object.keys(local).length < remotePorts.length) {
    for (const m of out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)) local[Number(m[2])] = Number(m[1]);
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill();
      throw new Error(`kubectl port-forward did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    local,
    output: () => out,
    proc,
    stop: async () => {
      proc.kill();
      await proc;
    },
  };
}

/** Sends `text` (or nothing), optionally half-closes, and returns all bytes received until the peer's EOF. */
export function exchange(port: number, text: string, halfClose = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(got).toString());
    });
    s.on('error', reject);
    s.write(text);
    if (halfClose) s.end();
  });
}

/** Sends `text` to an echo server and resolves with the echo once as many bytes came back (no half-close). */
export function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const got: Buffer[] = [];
    let n = 0;
    const want = Buffer.byteLength(text);
    s.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= want) {
        s.end();
        resolve(Buffer.concat(got).toString());
      }
    });
    s.on('end', () => resolve(Buffer.concat(got).toString()));
    s.on('error', reject);
    s.write(text);
  });
}
