// inject-tcp's local SOCKS listener: each connection torsocks makes is piped to the pod's SOCKS server over
// an SSH channel. torsocks reads the server's handshake with blocking calls and no timeout, and torsocks
// 2.4 spins for ever on an EOF there (curl's --max-time cannot stop it: the call never returns). So a
// connection is never closed in the middle of the handshake: when the pod's side cannot be opened (the
// tunnel is being re-established) or ends before its reply, the relay finishes the handshake itself with a
// SOCKS failure, and torsocks returns an error at once.
import net from 'node:net';
import type { Duplex } from 'node:stream';

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

  get complete(): boolean {
    return this.stage === 'done';
  }

  /** Reads the server's bytes; returns at once when the handshake is over. */
  observe(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length && this.stage !== 'done'; i++) {
      this.message.push(chunk[i]!);
      if (this.message.length < messageLength(this.stage, this.message)) continue;
      const [, code] = this.message;
      this.message = [];
      if (this.stage === 'method') this.stage = code === 0x02 ? 'auth' : code === 0xff ? 'done' : 'reply';
      else if (this.stage === 'auth') this.stage = code === 0x00 ? 'reply' : 'done';
      else this.stage = 'done';
    }
  }

  /**
   * The bytes that end the handshake as a failure from where it stands: no acceptable method, a refused
   * login, or a general-failure reply; the rest of a message already begun (its length as far as it is
   * known). Empty once the handshake is over.
   */
  failure(): Buffer {
    if (this.stage === 'done') return Buffer.alloc(0);
    const whole = FAILURE[this.stage];
    const bytes = [...this.message];
    while (bytes.length < messageLength(this.stage, bytes)) bytes.push(whole[bytes.length] ?? 0);
    return Buffer.from(bytes.slice(this.message.length));
  }
}

const FAILURE: Record<Exclude<Stage, 'done'>, number[]> = {
  method: [0x05, 0xff],
  auth: [0x01, 0x01],
  // VER, REP general failure, RSV, ATYP IPv4, 0.0.0.0, port 0.
  reply: [0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0],
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
  log(line: string): void;
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

/** The greeting the relay sends the pod's server in the client's stead once it chose "no authentication" here. */
const NO_AUTH_GREETING = Buffer.from([0x05, 0x01, 0x00]);
/** The method selection "no authentication": the relay's to the client, and the one it expects from the pod. */
const NO_AUTH_CHOICE = Buffer.from([0x05, 0x00]);

/**
 * A listener (not yet listening) whose connections reach the pod's SOCKS server. A client that offers "no
 * authentication" (torsocks does) gets the method selection from here at once, while the SSH channel
 * opens: its request then goes to the pod right behind the relay's own greeting, one round trip through
 * the tunnel fewer before the connection is made; the pod's method selection is not passed on.
 */
export function socksRelay(options: SocksRelayOptions): net.Server {
  return net.createServer((userConn) => {
    const progress = new SocksReplyProgress();
    let early = Buffer.alloc(0);
    let podStream: Duplex | null = null;
    /** The pod's method selection still to drop (the client had the relay's). */
    let skip = 0;
    /** Ends the user's connection with the rest of the handshake as a failure, and drains what it still sends. */
    const fail = (why: string) => {
      if (userConn.destroyed || userConn.writableEnded) return;
      options.log(`inject-tcp: ${why}; the SOCKS client gets a failure reply`);
      userConn.removeAllListeners('data');
      userConn.on('data', () => undefined);
      userConn.end(progress.failure());
      userConn.resume();
      setTimeout(() => userConn.destroy(), LINGER_MS).unref();
    };
    let greeted = false;
    const onEarly = (chunk: Buffer) => {
      early = Buffer.concat([early, chunk]);
      if (greeted) return;
      const greeting = readGreeting(early);
      if (greeting === null) return;
      greeted = true;
      if (greeting !== 'other' && greeting.noAuth) {
        progress.observe(NO_AUTH_CHOICE);
        userConn.write(NO_AUTH_CHOICE);
        early = Buffer.concat([NO_AUTH_GREETING, early.subarray(greeting.length)]);
        skip = NO_AUTH_CHOICE.length;
      }
      if (podStream) start(podStream);
    };
    userConn.on('data', onEarly);
    userConn.on('error', () => undefined);

    /** Once the pod's stream is open and the client's greeting read: what came early, then both ways. */
    const start = (pod: Duplex) => {
      userConn.off('data', onEarly);
      // Both before the pipe to the user: the failure is written before pipe() ends the user's side.
      pod.once('end', () => {
        if (!progress.complete) {
          userConn.unpipe(pod);
          fail('the pod\'s SOCKS server ended the connection before its reply');
        }
      });
      pod.on('error', (err: Error) => {
        if (progress.complete) userConn.destroy();
        else fail(`the stream to the pod's SOCKS server failed before its reply: ${err.message}`);
      });
      pod.once('close', () => {
        if (!progress.complete) fail('the stream to the pod\'s SOCKS server closed before its reply');
      });
      userConn.on('error', () => pod.destroy());
      userConn.once('close', () => pod.destroy());
      pod.write(early);
      early = Buffer.alloc(0);
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
        progress.observe(rest);
        if (!userConn.write(rest)) {
          pod.pause();
          userConn.once('drain', () => pod.resume());
        }
        if (progress.complete) {
          // The handshake is over: plain pipes from here on.
          pod.off('data', onPod);
          pod.pipe(userConn);
        }
      };
      pod.on('data', onPod);
      userConn.pipe(pod);
    };

    options.open().then(
      (pod) => {
        if (userConn.destroyed || userConn.writableEnded) {
          pod.destroy();
          return;
        }
        podStream = pod;
        if (greeted) start(pod);
      },
      (err: Error) => fail(`no stream to the pod's SOCKS server: ${err.message}`),
    );
  });
}
