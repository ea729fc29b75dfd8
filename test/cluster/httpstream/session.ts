// The server side of a SPDY/3.1 session as kubelet runs it (moby/spdystream): the client opens streams, we
// reply; data both ways with FIN half-close; pings echoed. Runs over any byte transport (TLS socket, WebSocket).
import { EventEmitter } from 'node:events';
import { encodeFrame, FLAG_FIN, FLAG_UNIDIRECTIONAL, Frame, FrameParser, RstStatus } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, HeaderMap } from './headers.js';
import { SpdyStream, StreamHost } from './stream.js';

export { SpdyStream } from './stream.js';

/** What the session needs from the byte transport under it. */
export interface SessionTransport {
  /** Sends bytes; false asks the session to wait for drained(). */
  write(bytes: Buffer): boolean;
  /** Stops / restarts delivering received bytes (backpressure toward the client). */
  pauseReading(): void;
  resumeReading(): void;
  /** Ends the transport after a fatal protocol error. */
  destroy(): void;
}

/** Accepts a new stream (return null) or rejects it with a reason (the stream is reset). */
export type StreamAcceptor = (stream: SpdyStream) => string | null;

export class SpdySession extends EventEmitter implements StreamHost {
  open = true;
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly readBlockers = new Set<SpdyStream>();
  private drainWaiters: Array<() => void> = [];
  private queue: Frame[] = [];
  private busy = false;
  private lastClientStream = 0;
  goneAway = false;

  constructor(private readonly transport: SessionTransport, private readonly accept: StreamAcceptor) {
    super();
  }

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    if (!this.open) return;
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    this.queue.push(...frames);
    this.pump();
  }

  /** The transport accepted everything we wrote. */
  drained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** The transport is gone: every stream ends now. */
  closed(): void {
    if (!this.open) return;
    this.open = false;
    for (const s of [...this.streams.values()]) s.destroy();
    this.compressor.close();
    this.decompressor.close();
    this.drained();
    this.emit('close');
  }

  sendFrame(f: Frame): boolean {
    if (!this.open) return true;
    return this.transport.write(encodeFrame(f));
  }

  whenDrained(cb: () => void): void {
    if (!this.open) return cb();
    this.drainWaiters.push(cb);
  }

  blockReading(s: SpdyStream): void {
    if (this.readBlockers.size === 0) this.transport.pauseReading();
    this.readBlockers.add(s);
  }

  unblockReading(s: SpdyStream): void {
    if (this.readBlockers.delete(s) && this.readBlockers.size === 0) this.transport.resumeReading();
  }

  forget(s: SpdyStream): void {
    this.unblockReading(s);
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Handles frames in arrival order; header blocks inflate asynchronously, so later frames wait for them. */
  private pump(): void {
    while (!this.busy && this.queue.length > 0 && this.open) {
      const f = this.queue.shift()!;
      const pending = this.handle(f);
      if (pending) {
        this.busy = true;
        pending.then(() => {
          this.busy = false;
          this.pump();
        }, (e: Error) => this.fail(e));
      }
    }
  }

  private handle(f: Frame): Promise<void> | undefined {
    switch (f.type) {
      case 'synStream':
        return this.decompressor.decompress(f.headerBlock).then((h) => this.onSynStream(f, h));
      case 'synReply':
      case 'headers':
        // We open no streams and expect no trailers; the block is still inflated to keep the zlib context in step.
        return this.decompressor.decompress(f.headerBlock).then(() => undefined);
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return undefined;
        if (f.data.length > 0) s.onData(f.data);
        if (f.flags & FLAG_FIN) s.onFin();
        return undefined;
      }
      case 'rstStream':
        this.streams.get(f.streamId)?.onReset();
        return undefined;
      case 'ping':
        // Client pings are odd (spdystream); an even id would be an answer to a ping of ours, and we send none.
        if (f.id % 2 === 1) this.sendFrame(f);
        return undefined;
      case 'goAway':
        this.goneAway = true;
        this.emit('goaway');
        return undefined;
      case 'settings':
      case 'windowUpdate':
      case 'unknown':
        // spdystream sends no WINDOW_UPDATE and ignores windows, so we keep none either (see README).
        return undefined;
    }
  }

  private async onSynStream(f: Extract<Frame, { type: 'synStream' }>, headers: HeaderMap): Promise<void> {
    if (f.streamId % 2 === 0 || f.streamId <= this.lastClientStream || this.goneAway) {
      this.sendFrame({ type: 'rstStream', streamId: f.streamId, status: RstStatus.protocolError });
      return;
    }
    this.lastClientStream = f.streamId;
    const stream = new SpdyStream(this, f.streamId, headers);
    this.streams.set(f.streamId, stream);
    if (f.flags & FLAG_FIN) stream.onFin();
    if (f.flags & FLAG_UNIDIRECTIONAL) stream.markUnidirectional();
    const rejection = this.accept(stream);
    if (rejection !== null) {
      this.emit('rejected', f.streamId, rejection);
      stream.destroy();
      return;
    }
    const block = await this.compressor.compress(new Map());
    if (!this.open || stream.destroyed) return;
    this.sendFrame({ type: 'synReply', streamId: f.streamId, flags: 0, headerBlock: block });
    stream.replySent();
  }

  private fail(e: Error): void {
    if (!this.open) return;
    this.emit('protocolError', e);
    this.sendFrame({ type: 'goAway', lastGoodStreamId: this.lastClientStream, status: 1 });
    this.transport.destroy();
    this.closed();
  }
}
