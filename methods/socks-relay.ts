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

/** A listener (not yet listening) whose connections reach the pod's SOCKS server. */
export function socksRelay(options: SocksRelayOptions): net.Server {
  return net.createServer((userConn) => {
    userConn.pause();
    const progress = new SocksReplyProgress();
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
    userConn.on('error', () => undefined);
    options.open().then(
      (podStream) => {
        if (userConn.destroyed) {
          podStream.destroy();
          return;
        }
        const watch = (chunk: Buffer) => {
          progress.observe(chunk);
          if (progress.complete) podStream.off('data', watch);
        };
        // Both before pipe(): the failure is written before pipe() ends the user's side.
        podStream.on('data', watch);
        podStream.once('end', () => {
          if (!progress.complete) {
            userConn.unpipe(podStream);
            fail('the pod\'s SOCKS server ended the connection before its reply');
          }
        });
        podStream.on('error', (err: Error) => {
          if (progress.complete) userConn.destroy();
          else fail(`the stream to the pod's SOCKS server failed before its reply: ${err.message}`);
        });
        podStream.once('close', () => {
          if (!progress.complete) fail('the stream to the pod\'s SOCKS server closed before its reply');
        });
        userConn.on('error', () => podStream.destroy());
        userConn.once('close', () => podStream.destroy());
        podStream.pipe(userConn);
        userConn.pipe(podStream);
        userConn.resume();
      },
      (err: Error) => fail(`no stream to the pod's SOCKS server: ${err.message}`),
    );
  });
}
