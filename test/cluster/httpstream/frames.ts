// SPDY/3.1 frame codec (draft-mbelshe-httpbis-spdy-00 / spdy-protocol-draft3-1): encode one frame to bytes,
// and split a byte stream into frames. Header blocks stay compressed here; headers.ts (de)compresses them.

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** The largest payload a frame's 24-bit length can carry. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export const ControlType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** RST_STREAM status codes. */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

export interface SettingsEntry { flags: number; id: number; value: number }

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedStreamId: number; priority: number; slot: number; flags: number;
      headerBlock: Buffer }
  | { type: 'synReply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: SettingsEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** A control frame of another version or type: the spec says to ignore it. */
  | { type: 'unknown'; version: number; controlType: number; flags: number; payload: Buffer };

export class FrameError extends Error {}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function words(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** The bytes of one frame. DATA payloads larger than MAX_FRAME_PAYLOAD must be split by the caller. */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new FrameError(`DATA payload of ${f.data.length} bytes is too large`);
      const head = words(f.streamId & 0x7fffffff, ((f.flags & 0xff) << 24 | f.data.length) >>> 0);
      return Buffer.concat([head, f.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(f.associatedStreamId & 0x7fffffff, 4);
      fixed.writeUInt8((f.priority & 0x7) << 5, 8);
      fixed.writeUInt8(f.slot & 0xff, 9);
      return control(ControlType.synStream, f.flags, Buffer.concat([fixed, f.headerBlock]));
    }
    case 'synReply':
      return control(ControlType.synReply, f.flags, Buffer.concat([words(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'headers':
      return control(ControlType.headers, f.flags, Buffer.concat([words(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'rstStream':
      return control(ControlType.rstStream, 0, words(f.streamId & 0x7fffffff, f.status));
    case 'settings':
      return control(ControlType.settings, f.flags,
        words(f.entries.length, ...f.entries.flatMap((e) => [((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, e.value])));
    case 'ping':
      return control(ControlType.ping, 0, words(f.id));
    case 'goAway':
      return control(ControlType.goAway, 0, words(f.lastGoodStreamId & 0x7fffffff, f.status));
    case 'windowUpdate':
      return control(ControlType.windowUpdate, 0, words(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    case 'unknown': {
      const head = Buffer.alloc(8);
      head.writeUInt16BE(0x8000 | f.version, 0);
      head.writeUInt16BE(f.controlType, 2);
      head.writeUInt32BE(((f.flags & 0xff) << 24 | f.payload.length) >>> 0, 4);
      return Buffer.concat([head, f.payload]);
    }
  }
}

function need(p: Buffer, n: number, what: string): void {
  if (p.length < n) throw new FrameError(`${what} frame payload of ${p.length} bytes is shorter than ${n}`);
}

/** Decodes one control frame's payload (the 8-byte frame header already read). */
function decodeControl(version: number, type: number, flags: number, p: Buffer): Frame {
  if (version !== SPDY_VERSION) return { type: 'unknown', version, controlType: type, flags, payload: p };
  const id = (off: number) => p.readUInt32BE(off) & 0x7fffffff;
  switch (type) {
    case ControlType.synStream:
      need(p, 10, 'SYN_STREAM');
      return { type: 'synStream', streamId: id(0), associatedStreamId: id(4), priority: p[8] >> 5, slot: p[9], flags,
        headerBlock: p.subarray(10) };
    case ControlType.synReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'synReply', streamId: id(0), flags, headerBlock: p.subarray(4) };
    case ControlType.headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: id(0), flags, headerBlock: p.subarray(4) };
    case ControlType.rstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rstStream', streamId: id(0), status: p.readUInt32BE(4) };
    case ControlType.settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + n * 8, 'SETTINGS');
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < n; i++) {
        const fi = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: fi >>> 24, id: fi & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, entries };
    }
    case ControlType.ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case ControlType.goAway:
      need(p, 8, 'GOAWAY');
      return { type: 'goAway', lastGoodStreamId: id(0), status: p.readUInt32BE(4) };
    case ControlType.windowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'windowUpdate', streamId: id(0), delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', version, controlType: type, flags, payload: p };
  }
}

/** Splits a byte stream into frames; push() returns the frames completed by this chunk. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= 8) {
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (this.buffered < 8 + length) break;
      const whole = this.take(8 + length);
      const body = whole.subarray(8);
      const flags = head[4];
      if (head[0] & 0x80) {
        frames.push(decodeControl(head.readUInt16BE(0) & 0x7fff, head.readUInt16BE(2), flags, body));
      } else {
        frames.push({ type: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    let out: Buffer;
    if (this.chunks[0].length >= n) {
      out = this.chunks[0].subarray(0, n);
      this.chunks[0] = this.chunks[0].subarray(n);
      if (this.chunks[0].length === 0) this.chunks.shift();
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
