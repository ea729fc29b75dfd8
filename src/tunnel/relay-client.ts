// The workstation's client of a --proxy-via relay (src/protocol/relay.ts): every request is a fresh stream
// through the tunnel to the relay's pod IP and port, RFC 1929's username/password, then one SOCKS5 CONNECT
// (the stream then reaches host:port from the workload's pod), RESOLVE (F0) or RESOLVE_PTR (F1). One
// authenticated connection stays open while the client lives, so the relay's idle exit never fires.
import type { Duplex } from 'node:stream';

import { ClusterError } from '../errors.js';
import { SOCKS_REPLY, SOCKS_REPLY_TEXT } from '../protocol/index.js';

/** Where the relay listens and how it is named in messages (src/kube ProxyViaRelay has these fields). */
export interface RelayEndpoint {
  /** `Deployment client-app` */
  workload: string;
  podName: string;
  podIp: string;
  port: number;
  username: string;
}

export interface RelayClientOptions {
  /** A TCP stream to host:port as the proxy pod sees it (the tunnel's openStream). */
  openStream(host: string, port: number): Promise<Duplex>;
  relay: RelayEndpoint;
  secret: string;
  /** Bounds each request's handshake, from opening the stream to the relay's reply (default 15 s). */
  timeoutMs?: number;
  /** Default true: hold one authenticated idle connection open (and re-open it when it drops). */
  keepAlive?: boolean;
  /** Before re-opening a dropped keep-alive (default 1 s, doubling up to 10 s). */
  keepAliveRetryMs?: number;
  log?(line: string): void;
}

/** A request the relay answered with a failure: `reply` is its SOCKS code. */
export class RelayRequestError extends ClusterError {
  constructor(message: string, readonly reply: number | null) {
    super(message);
  }
}

/** The next `n` bytes of `stream` (what follows stays buffered in it for the next reader). */
function readBytes(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    };
    const onReadable = (): void => {
      const chunk = stream.read(n) as Buffer | null;
      if (chunk === null) return;
      done();
      if (chunk.length < n) reject(new Error(`it closed after ${chunk.length} of ${n} bytes`));
      else resolve(chunk);
    };
    const onEnd = (): void => {
      done();
      reject(new Error('it closed the connection'));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    onReadable();
  });
}

function addressBytes(host: string, port: number): Buffer {
  const p = Buffer.from([port >> 8, port & 0xff]);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return Buffer.concat([Buffer.from([0x01, ...host.split('.').map(Number)]), p]);
  const name = Buffer.from(host, 'latin1');
  if (name.length === 0 || name.length > 255) throw new RangeError(`${JSON.stringify(host)} is not a name the relay can take (1 to 255 bytes)`);
  return Buffer.concat([Buffer.from([0x03, name.length]), name, p]);
}

/** VER REP RSV ATYP, the bound address and port: the reply code and the address (IPv4 dotted, or the name). */
async function readReply(stream: Duplex): Promise<{ reply: number; address: string }> {
  const head = await readBytes(stream, 4);
  if (head[0] !== 0x05) throw new Error(`it answered version ${head[0]}, not SOCKS 5`);
  const type = head[3];
  let address = '';
  if (type === 0x01) address = [...await readBytes(stream, 4)].join('.');
  else if (type === 0x03) {
    const length = (await readBytes(stream, 1))[0]!;
    address = length === 0 ? '' : (await readBytes(stream, length)).toString('latin1');
  }
  else if (type === 0x04) await readBytes(stream, 16);
  else throw new Error(`it answered address type ${type}`);
  await readBytes(stream, 2);
  return { reply: head[1]!, address };
}

export class RelayClient {
  private closed = false;
  private keeper: Duplex | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly o: RelayClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    if (o.keepAlive ?? true) this.keepAlive(o.keepAliveRetryMs ?? 1000);
  }

  /** `pod client-app-xxx (Deployment client-app)`, for messages. */
  get where(): string {
    return `pod ${this.o.relay.podName} (${this.o.relay.workload})`;
  }

  /** A stream that reaches host:port from inside the workload's pod (its IP as the source, its loopback). */
  async connect(host: string, port: number): Promise<Duplex> {
    return this.request(`CONNECT ${host}:${port}`, 0x01, addressBytes(host, port), (stream, r) => {
      if (r.reply !== SOCKS_REPLY.SUCCEEDED) throw this.refused(`CONNECT ${host}:${port}`, r.reply);
      return stream;
    });
  }

  /** The IPv4 addresses the pod resolves `name` to (its /etc/hosts, then its resolver); [] when it has none. */
  async resolve(name: string): Promise<string[]> {
    return this.request(`RESOLVE ${name}`, 0xf0, addressBytes(name, 0), (stream, r) => {
      stream.destroy();
      if (r.reply === SOCKS_REPLY.HOST_UNREACHABLE) return [];
      if (r.reply !== SOCKS_REPLY.SUCCEEDED) throw this.refused(`RESOLVE ${name}`, r.reply);
      return [r.address];
    });
  }

  /** The pod's name for `ip` (the relay answers the address itself when there is none: then null). */
  async resolvePtr(ip: string): Promise<string | null> {
    return this.request(`RESOLVE_PTR ${ip}`, 0xf1, addressBytes(ip, 0), (stream, r) => {
      stream.destroy();
      if (r.reply !== SOCKS_REPLY.SUCCEEDED) throw this.refused(`RESOLVE_PTR ${ip}`, r.reply);
      return r.address === ip || r.address === '' ? null : r.address;
    });
  }

  /** Ends the keep-alive; the relay then exits after its idle time unless stopped first. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.keeper?.destroy();
    this.keeper = null;
  }

  private refused(what: string, reply: number): RelayRequestError {
    return new RelayRequestError(`--proxy-via: the relay in ${this.where} answered ${what}: ${SOCKS_REPLY_TEXT[reply] ?? 'unknown'} (SOCKS reply ${reply})`, reply);
  }

  /** Stream, hello, auth; the stream is ready for a request. */
  private async open(what: string, held?: { stream: Duplex | null; over: boolean }): Promise<Duplex> {
    const { relay } = this.o;
    const stream = await this.o.openStream(relay.podIp, relay.port);
    stream.on('error', () => undefined); // a failure shows in the reads (here) or in the stream's user's close
    if (held) {
      held.stream = stream;
      if (held.over) stream.destroy(); // too late: the reads below fail at once
    }
    try {
      const user = Buffer.from(relay.username, 'latin1');
      const pass = Buffer.from(this.o.secret, 'latin1');
      stream.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x02, 0x01, user.length]), user, Buffer.from([pass.length]), pass]));
      const method = await readBytes(stream, 2);
      if (method[0] !== 0x05 || method[1] !== 0x02) throw new RelayRequestError(`--proxy-via: the relay in ${this.where} refused ${what}: it offers no username/password method (${method.toString('hex')})`, null);
      const auth = await readBytes(stream, 2);
      if (auth[1] !== 0x00) throw new RelayRequestError(`--proxy-via: the relay in ${this.where} refused the session's secret (${what}): is another session's relay on ${relay.podIp}:${relay.port}?`, null);
      return stream;
    } catch (err) {
      stream.destroy();
      throw err;
    }
  }

  private async request<T>(what: string, command: number, address: Buffer, take: (stream: Duplex, r: { reply: number; address: string }) => T): Promise<T> {
    if (this.closed) throw new RelayRequestError(`--proxy-via: the relay client of ${this.where} is closed (${what})`, null);
    const held: { stream: Duplex | null; over: boolean } = { stream: null, over: false };
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        held.over = true;
        held.stream?.destroy();
        reject(new RelayRequestError(`--proxy-via: the relay in ${this.where} did not answer ${what} within ${this.timeoutMs >= 1000 ? `${this.timeoutMs / 1000} s` : `${this.timeoutMs} ms`}`, null));
      }, this.timeoutMs);
    });
    const work = (async () => {
      const stream = await this.open(what, held);
      stream.write(Buffer.concat([Buffer.from([0x05, command, 0x00]), address]));
      return take(stream, await readReply(stream));
    })();
    try {
      return await Promise.race([work, expired]);
    } catch (err) {
      held.over = true;
      held.stream?.destroy();
      work.catch(() => undefined);
      if (err instanceof RelayRequestError) throw err;
      throw new RelayRequestError(`--proxy-via: the relay in ${this.where} failed ${what}: ${(err as Error).message}`, null);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One authenticated connection that idles; re-opened (with a back-off) whenever it drops. */
  private keepAlive(retryMs: number): void {
    const log = this.o.log ?? (() => undefined);
    let delay = retryMs;
    const again = (why: string): void => {
      this.keeper = null;
      if (this.closed) return;
      log(`proxy-via: the keep-alive to the relay in ${this.where} ${why}; re-opening in ${delay} ms`);
      this.retryTimer = setTimeout(start, delay);
      delay = Math.min(delay * 2, 10_000);
    };
    const start = (): void => {
      if (this.closed) return;
      this.open('the keep-alive').then((stream) => {
        if (this.closed) return void stream.destroy();
        this.keeper = stream;
        delay = retryMs;
        stream.on('data', () => undefined); // the relay sends nothing here; drain anyway
        stream.once('close', () => again('closed'));
        stream.on('error', () => undefined);
      }, (err: Error) => again(`failed (${err.message})`));
    };
    start();
  }
}
