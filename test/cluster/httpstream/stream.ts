// One SPDY stream as a Node Duplex, server side: the client's DATA is our readable side (FIN ends it), our
// writes become DATA frames once SYN_REPLY is out, end() sends FIN, destroy() before both FINs sends RST_STREAM.
import { Duplex } from 'node:stream';
import { FLAG_FIN, Frame, RstStatus } from './frames.js';
import type { HeaderMap } from './headers.js';

/** SPDY/3's default stream window; we acknowledge received data in halves of it. */
const WINDOW = 64 * 1024;
/** Largest DATA payload we send (Go's io.Copy in kubectl reads 32 KiB; any size up to 16 MiB is legal). */
const MAX_DATA = 64 * 1024;

/** What a stream needs from its session. */
export interface StreamHost {
  readonly open: boolean;
  sendFrame(f: Frame): boolean;
  whenDrained(cb: () => void): void;
  blockReading(s: SpdyStream): void;
  unblockReading(s: SpdyStream): void;
  forget(s: SpdyStream): void;
}

export class SpdyStream extends Duplex {
  replied = false;
  private remoteClosed = false;
  private localClosed = false;
  private resetByPeer = false;
  private unacknowledged = 0;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly session: StreamHost, readonly id: number, readonly headers: HeaderMap) {
    super({ allowHalfOpen: true });
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
  }

  /** Resolves once our SYN_REPLY is on the wire (kubelet writes nothing on a stream before its reply). */
  whenReplied(): Promise<void> {
    return this.ready;
  }

  header(name: string): string | undefined {
    return this.headers.get(name)?.[0];
  }

  /** Called by the session once SYN_REPLY is on the wire: data may follow it. */
  replySent(): void {
    this.replied = true;
    this.markReady();
  }

  onData(data: Buffer): void {
    if (this.remoteClosed || this.destroyed) return;
    this.unacknowledged += data.length;
    if (this.push(data)) this.acknowledge();
    else this.session.blockReading(this);
  }

  onFin(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
  }

  onReset(): void {
    this.resetByPeer = true;
    this.destroy();
  }

  override _read(): void {
    this.session.unblockReading(this);
    this.acknowledge();
  }

  /** WINDOW_UPDATE for what the reader took (spdystream ignores it; a SPDY/3.1 peer that counts windows needs it). */
  private acknowledge(): void {
    if (this.unacknowledged >= WINDOW / 2 && !this.remoteClosed) {
      this.session.sendFrame({ type: 'windowUpdate', streamId: this.id, delta: this.unacknowledged });
      this.unacknowledged = 0;
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const send = () => {
      if (this.localClosed) return done();
      let ok = true;
      for (let off = 0; off < chunk.length; off += MAX_DATA) {
        ok = this.session.sendFrame({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(off, off + MAX_DATA) });
      }
      if (ok) done();
      else this.session.whenDrained(() => done());
    };
    if (this.replied) send();
    else this.ready.then(send, done);
  }

  override _final(done: (e?: Error | null) => void): void {
    const fin = () => {
      if (this.localClosed) return done();
      this.localClosed = true;
      this.session.sendFrame({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
      done();
    };
    if (this.replied) fin();
    else this.ready.then(fin, done);
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    if (!this.resetByPeer && !(this.localClosed && this.remoteClosed) && this.session.open) {
      this.session.sendFrame({ type: 'rstStream', streamId: this.id, status: RstStatus.cancel });
    }
    this.session.forget(this);
    done(err);
  }

  /** A UNIDIRECTIONAL stream: the client receives nothing on it, so our writes are dropped and no FIN is sent. */
  markUnidirectional(): void {
    this.localClosed = true;
  }
}
