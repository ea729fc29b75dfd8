// inject-tcp's local SOCKS listener: each connection torsocks makes is piped to the pod's SOCKS server over
// an SSH channel. torsocks reads the server's handshake with blocking calls and no timeout, and torsocks
// 2.4 spins for ever on an EOF there (curl's --max-time cannot stop it: the call never returns). So a
// connection is never closed in the middle of the handshake: when the pod's side cannot be opened (the
// tunnel is being re-established) or ends before its reply, the relay finishes the handshake itself with a
// SOCKS failure, and torsocks returns an error at once.
// A CONNECT to a destination whose CONNECT succeeded moments ago gets its success reply from here at once
// (issue 17, first-byte latency; the VIF takes such a SYN at once the same way): the client sends its first
// bytes while the channel opens, and they go to the pod right behind the request. Should the pod's server
// then fail it after all, the client's connection is reset and the destination waits for its answer again.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { SOCKS_REPLY, socksReply } from '../src/protocol/index.js';
import { RECENT_DIALS_MAX, RECENT_DIALS_MS, RecentDials } from '../src/vif/recent-dials.js';

/** How long a failed connection is kept for the client to read its answer and close. */
const LINGER_MS = 5000;

type Stage = 'method' | 'auth' | 'reply' | 'done';

/**
 * Where a SOCKS5 server's side of the handshake stands, from the bytes it sent (RFC 1928 and 1929):
 * the method selection, the username/password answer when that method was chosen, and the reply to the
 * request (CONNECT, or Tor's RESOLVE and RESOLVE_PTR). After that the bytes are the connection's own.
 */
export class SocksReplyProgress {
  private stage: Stage = 'method';
  /** The current message's bytes so far. */
  private message: number[] = [];

  /** Once complete: whether the handshake ended in a success reply (null before). */
  private result: boolean | null = null;

  get complete(): boolean {
    return this.stage === 'done';
  }

  /** Null until the handshake is over; then true for a success reply, false for any failure. */
  get succeeded(): boolean | null {
    return this.result;
  }

  /** Reads the server's bytes up to the end of the handshake; returns how many of them were the handshake's. */
  observe(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length && this.stage !== 'done') {
      this.message.push(chunk[i++]!);
      if (this.message.length < messageLength(this.stage, this.message)) continue;
      const [, code] = this.message;
      this.message = [];
      const read = this.stage;
      if (read === 'method') this.stage = code === 0x02 ? 'auth' : code === 0xff ? 'done' : 'reply';
      else if (read === 'auth') this.stage = code === 0x00 ? 'reply' : 'done';
      else this.stage = 'done';
      if (this.stage === 'done') this.result = read === 'reply' && code === SOCKS_REPLY.SUCCEEDED;
    }
    return i;
  }

  /**
   * The bytes that end the handshake as a failure from where it stands: no acceptable method, a refused
   * login, or a failure reply (`rep`: general failure unless given); the rest of a message already begun (its length as far as it is
   * known). Empty once the handshake is over.
   */
  failure(rep: number = SOCKS_REPLY.GENERAL_FAILURE): Buffer {
    if (this.stage === 'done') return Buffer.alloc(0);
    const whole = this.stage === 'reply' ? [...socksReply(rep)] : FAILURE[this.stage];
    const bytes = [...this.message];
    while (bytes.length < messageLength(this.stage, bytes)) bytes.push(whole[bytes.length] ?? 0);
    return Buffer.from(bytes.slice(this.message.length));
  }
}

/** The method selection and RFC 1929 answers that end the handshake; a failure reply is socksReply's. */
const FAILURE: Record<Exclude<Stage, 'done' | 'reply'>, number[]> = {
  method: [0x05, 0xff],
  auth: [0x01, 0x01],
};

/** The length of the current message as far as its bytes so far tell (a reply's address type and name length). */
function messageLength(stage: Stage, bytes: readonly number[]): number {
  if (stage !== 'reply') return 2;
  switch (bytes[3]) {
    case 0x04: return 4 + 16 + 2;
    case 0x03: return bytes.length < 5 ? 5 : 5 + bytes[4]! + 2;
    default: return 4 + 4 + 2;
  }
}

export interface SocksRelayOptions {
  /** A stream to the pod's SOCKS server. */
  open(): Promise<Duplex>;
  /**
   * A stream to host:port from the pod (an SSH direct-tcpip channel: open once sshd has connected). With it a
   * CONNECT to an address goes there instead of through the pod's SOCKS server, and the relay answers it:
   * one round trip through the tunnel fewer, and no relay process in the pod on the data path.
   */
  openDirect?(host: string, port: number): Promise<Duplex>;
  log(line: string): void;
  /**
   * Default RECENT_DIALS_MS: a CONNECT to a destination whose CONNECT succeeded within this long is answered
   * "succeeded" at once, before the pod's answer (reset if that is a failure); 0: every CONNECT waits for the pod.
   */
  recentMs?: number;
  now?: () => number;
  /** Default 30 s (the pod's SOCKS server's own): a direct channel not open by then is a general failure. */
  connectTimeoutMs?: number;
}

/**
 * The client's greeting at the start of `buf`: whether it offers "no authentication" and its length; null
 * while incomplete; 'other' when it is no SOCKS5 greeting (passed to the pod's server as it is).
 */
export function readGreeting(buf: Buffer): { noAuth: boolean; length: number } | 'other' | null {
  if (buf.length < 1) return null;
  if (buf[0] !== 0x05) return 'other';
  if (buf.length < 2 || buf.length < 2 + buf[1]!) return null;
  return { noAuth: buf.subarray(2, 2 + buf[1]!).includes(0x00), length: 2 + buf[1]! };
}

/** A CONNECT's destination as the client named it: an address (IPv4, IPv6) or a name. */
export interface SocksDestination {
  host: string;
  port: number;
}

/**
 * The client's request at the start of `buf` (after its greeting): a CONNECT's destination (null for RESOLVE,
 * RESOLVE_PTR and the other commands) and the request's length; null while incomplete; 'other' when it is
 * no SOCKS5 request (passed to the pod's server as it is).
 */
export function readRequest(buf: Buffer): { destination: SocksDestination | null; length: number } | 'other' | null {
  if (buf.length < 1) return null;
  if (buf[0] !== 0x05) return 'other';
  if (buf.length < 5) return null;
  const atyp = buf[3];
  const addressLength = atyp === 0x01 ? 4 : atyp === 0x04 ? 16 : atyp === 0x03 ? 1 + buf[4]! : -1;
  if (addressLength < 0) return 'other';
  const length = 4 + addressLength + 2;
  if (buf.length < length) return null;
  if (buf[1] !== 0x01) return { destination: null, length };
  const address = buf.subarray(4, 4 + addressLength);
  const host = atyp === 0x01 ? [...address].join('.')
    : atyp === 0x04 ? [...Array(8).keys()].map((i) => address.readUInt16BE(2 * i).toString(16)).join(':')
      : address.subarray(1).toString('latin1');
  return { destination: { host, port: buf.readUInt16BE(length - 2) }, length };
}

/** `host:port`, an IPv6 address in brackets: how the relay names (and remembers) a destination. */
export function destinationKey(d: SocksDestination): string {
  return net.isIPv6(d.host) ? `[${d.host}]:${d.port}` : `${d.host}:${d.port}`;
}

/** The SOCKS reply code for a direct channel that did not open, from sshd's reason (the connect's strerror). */
export function replyForOpenFailure(message: string): number {
  if (/connection refused/i.test(message)) return SOCKS_REPLY.CONNECTION_REFUSED;
  if (/no route to host|host is unreachable|host unreachable/i.test(message)) return SOCKS_REPLY.HOST_UNREACHABLE;
  if (/network is unreachable/i.test(message)) return SOCKS_REPLY.NETWORK_UNREACHABLE;
  return SOCKS_REPLY.GENERAL_FAILURE;
}

/** The success reply the relay sends in the pod's stead (a direct channel opened, or an early answer). */
const SUCCESS = socksReply(SOCKS_REPLY.SUCCEEDED);

/** The greeting the relay sends the pod's server in the client's stead once it chose "no authentication" here. */
const NO_AUTH_GREETING = Buffer.from([0x05, 0x01, 0x00]);
/** The method selection "no authentication": the relay's to the client, and the one it expects from the pod. */
const NO_AUTH_CHOICE = Buffer.from([0x05, 0x00]);

/**
 * A listener (not yet listening) whose connections reach the cluster. A client that offers "no
 * authentication" (torsocks does) gets the method selection from here at once; its request then goes to the
 * pod right behind the relay's own greeting (one round trip through the tunnel fewer), the pod's method
 * selection is not passed on, and a CONNECT to an address goes over a channel of its own (openDirect). A
 * CONNECT to a destination that answered moments ago is answered here at once, its first bytes following it.
 */
export function socksRelay(options: SocksRelayOptions): net.Server {
  const recentMs = options.recentMs ?? RECENT_DIALS_MS;
  const recent = recentMs > 0 ? new RecentDials(recentMs, RECENT_DIALS_MAX) : null;
  const now = options.now ?? Date.now;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  // Small writes back to back (the method selection, the reply, the first bytes) must not wait for an ACK.
  return net.createServer({ noDelay: true }, (userConn) => {
    /** What the client was sent of the handshake. */
    const progress = new SocksReplyProgress();
    /** The pod's own handshake, still to read and drop, when the client had its success reply from here. */
    let podReply: SocksReplyProgress | null = null;
    /** The CONNECT's destination (`host:port`; null for other commands, or before the request is read). */
    let destination: string | null = null;
    /** The client had its success reply before the cluster's answer (it answered moments ago). */
    let answeredEarly = false;
    let early = Buffer.alloc(0);
    /** The pod's method selection still to drop (the client had the relay's). */
    let skip = 0;
    /** What the relay still reads of the client's handshake before the stream may be opened. */
    let reading: 'greeting' | 'request' | 'done' = 'greeting';
    /** The client had its success reply from here and the cluster then failed the connection: a reset. */
    const reset = (why: string) => {
      if (destination) recent?.failed(destination);
      if (userConn.destroyed) return;
      options.log(`inject-tcp: ${why}; the connection to ${destination}, answered at once (it answered moments ago), is reset`);
      userConn.resetAndDestroy();
    };
    /** Ends the user's connection with the rest of the handshake as a failure, and drains what it still sends. */
    const fail = (why: string, rep?: number) => {
      if (answeredEarly) return reset(why);
      if (destination) recent?.failed(destination);
      if (userConn.destroyed || userConn.writableEnded) return;
      options.log(`inject-tcp: ${why}; the SOCKS client gets a failure reply`);
      userConn.removeAllListeners('data');
      userConn.on('data', () => undefined);
      userConn.end(progress.failure(rep));
      userConn.resume();
      setTimeout(() => userConn.destroy(), LINGER_MS).unref();
    };
    /** The pod's SOCKS server has answered the request (its reply was passed on, or read and dropped). */
    const answered = () => (podReply ? podReply.complete : progress.complete);
    /** The stream is being opened: what the client sends until it is open waits in `early`. */
    let dispatched = false;
    const onEarly = (chunk: Buffer) => {
      early = Buffer.concat([early, chunk]);
      if (dispatched) return;
      if (reading === 'greeting') {
        const greeting = readGreeting(early);
        if (greeting === null) return;
        reading = 'done';
        if (greeting !== 'other' && greeting.noAuth) {
          progress.observe(NO_AUTH_CHOICE);
          userConn.write(NO_AUTH_CHOICE);
          early = Buffer.concat([NO_AUTH_GREETING, early.subarray(greeting.length)]);
          skip = NO_AUTH_CHOICE.length;
          reading = 'request';
        }
      }
      if (reading === 'request') {
        const request = readRequest(early.subarray(NO_AUTH_GREETING.length));
        if (request === null) return;
        reading = 'done';
        const target = request === 'other' ? null : request.destination;
        if (target) {
          destination = destinationKey(target);
          if (recent?.answeredRecently(destination, now())) {
            answeredEarly = true;
            progress.observe(SUCCESS);
            userConn.write(SUCCESS);
          }
          if (options.openDirect && net.isIP(target.host) !== 0) {
            // The bytes after the request are the connection's own; the relay answers for the pod.
            early = early.subarray(NO_AUTH_GREETING.length + request.length);
            dispatched = true;
            return direct(options.openDirect, target);
          }
        }
        if (answeredEarly) {
          podReply = new SocksReplyProgress();
          podReply.observe(NO_AUTH_CHOICE);
        }
      }
      dispatched = true;
      throughPod();
    };
    userConn.on('data', onEarly);
    userConn.on('error', () => undefined);

    /** Both ways between the user's connection and `stream`, once the cluster has answered; `early` first. */
    const pipeBoth = (stream: Duplex) => {
      userConn.on('error', () => stream.destroy());
      userConn.once('close', () => stream.destroy());
      if (early.length > 0) stream.write(early);
      early = Buffer.alloc(0);
      userConn.pipe(stream);
    };

    /** A CONNECT to an address: a channel to it from the pod; its opening is the answer. */
    const direct = (openDirect: NonNullable<SocksRelayOptions['openDirect']>, target: SocksDestination) => {
      // Until the channel opens the client's bytes gather in `early` (it sends them only after an early answer).
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        fail(`no answer from ${destination} within ${connectTimeoutMs / 1000} s`);
      }, connectTimeoutMs);
      timer.unref();
      openDirect(target.host, target.port).then((stream) => {
        clearTimeout(timer);
        if (done || userConn.destroyed || userConn.writableEnded) return void stream.destroy();
        done = true;
        userConn.off('data', onEarly);
        recent?.succeeded(destination!, now());
        if (!answeredEarly) {
          progress.observe(SUCCESS);
          userConn.write(SUCCESS);
        }
        stream.on('error', () => userConn.destroy());
        pipeBoth(stream);
        stream.pipe(userConn);
      }, (err: Error) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        fail(`${destination}: ${err.message}`, replyForOpenFailure(err.message));
      });
    };

    /** Anything else: through the pod's SOCKS server, the request right behind the relay's greeting. */
    const throughPod = () => {
      options.open().then(
        (pod) => {
          if (userConn.destroyed || userConn.writableEnded) return void pod.destroy();
          start(pod);
        },
        (err: Error) => fail(`no stream to the pod's SOCKS server: ${err.message}`),
      );
    };

    /** The pod's stream is open: what came early, then both ways, the pod's handshake read on its way back. */
    const start = (pod: Duplex) => {
      userConn.off('data', onEarly);
      // Both before the pipe to the user: the failure is written before pipe() ends the user's side.
      pod.once('end', () => {
        if (!answered()) {
          userConn.unpipe(pod);
          fail('the pod\'s SOCKS server ended the connection before its reply');
        }
      });
      pod.on('error', (err: Error) => {
        if (answered()) userConn.destroy();
        else fail(`the stream to the pod's SOCKS server failed before its reply: ${err.message}`);
      });
      pod.once('close', () => {
        if (!answered()) fail('the stream to the pod\'s SOCKS server closed before its reply');
      });
      const onPod = (chunk: Buffer) => {
        let rest = chunk;
        if (skip > 0) {
          const dropped = rest.subarray(0, skip);
          // Our own "no authentication" must have been taken; anything else ends the handshake as a failure.
          if (dropped.some((b, i) => b !== NO_AUTH_CHOICE[NO_AUTH_CHOICE.length - skip + i])) {
            pod.destroy();
            fail('the pod\'s SOCKS server refused "no authentication"');
            return;
          }
          skip -= dropped.length;
          rest = rest.subarray(dropped.length);
          if (rest.length === 0) return;
        }
        if (podReply) {
          // The client had its reply: the pod's is read here, and only a success lets the bytes after it pass.
          if (!podReply.complete) {
            rest = rest.subarray(podReply.observe(rest));
            if (!podReply.complete) return;
            if (!podReply.succeeded) {
              pod.destroy();
              reset('the pod\'s SOCKS server failed the CONNECT');
              return;
            }
            recent?.succeeded(destination!, now());
          }
        } else if (!progress.complete) {
          progress.observe(rest);
          if (progress.complete && destination) {
            if (progress.succeeded) recent?.succeeded(destination, now());
            else recent?.failed(destination);
          }
        }
        if (rest.length > 0 && !userConn.write(rest)) {
          pod.pause();
          userConn.once('drain', () => pod.resume());
        }
        if (answered()) {
          // The handshake is over: plain pipes from here on.
          pod.off('data', onPod);
          pod.pipe(userConn);
        }
      };
      pod.on('data', onPod);
      pipeBoth(pod);
    };
  });
}
