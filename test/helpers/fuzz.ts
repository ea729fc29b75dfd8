// The fuzz suites' kit: a seeded PRNG with text, list and byte mutators, a batch runner with a time bound
// per batch, and baseline checks of open fds and heap. The seed comes from TP_FUZZ_SEED (to replay a
// failure) or the clock, and is printed in the test title; a failure names the seed and the input.
export { expectBaseline, resources, type Resources } from './fuzz-baseline.js';
export { runFuzz, type FuzzReport, type FuzzRun } from './fuzz-run.js';

/**
 * The fuzz suites' time bounds catch a stall or a blow-up, not slowness (speed is for test/bench): each is
 * what a quiet 2-core machine needs, times this margin, so a loaded machine (CI beside builds) passes.
 */
export const STALL_MARGIN = 4;
export const stallMs = (quietMs: number): number => quietMs * STALL_MARGIN;

export const FUZZ_SEED = process.env.TP_FUZZ_SEED ? Number(process.env.TP_FUZZ_SEED) >>> 0 : Date.now() >>> 0;

/** mulberry32: 32 bits of state, enough to replay a run exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A big-endian length or count field of a message: where it is and how wide. */
export interface LengthField {
  offset: number;
  size: 1 | 2 | 4;
}

const EDGE_BYTES = [0x00, 0x01, 0x02, 0x05, 0x7f, 0x80, 0xf0, 0xf1, 0xfe, 0xff];

export class Fuzz {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** 1 to 4 edits of `text`: insert a token, flip a character, delete, repeat or move a span. */
  mutateText(text: string, tokens: readonly string[]): string {
    let out = text;
    for (let edits = 1 + this.int(4); edits > 0; edits--) {
      const at = this.int(out.length + 1);
      const span = 1 + this.int(12);
      switch (this.int(6)) {
        case 0:
        case 1:
          out = out.slice(0, at) + this.pick(tokens) + out.slice(at);
          break;
        case 2:
          out = out.slice(0, at) + String.fromCharCode(this.int(128)) + out.slice(at + 1);
          break;
        case 3:
          out = out.slice(0, at) + out.slice(at + span);
          break;
        case 4:
          out = out.slice(0, at) + out.slice(at, at + span).repeat(1 + this.int(3)) + out.slice(at);
          break;
        default: {
          const piece = out.slice(at, at + span);
          const rest = out.slice(0, at) + out.slice(at + span);
          const to = this.int(rest.length + 1);
          out = rest.slice(0, to) + piece + rest.slice(to);
        }
      }
    }
    return out;
  }

  /** n bytes of noise. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /**
   * 1 to 4 edits of `input`: a bit flip, an edge value in a byte, truncation, a splice (of a donor, of
   * itself, or of noise), a span deleted or repeated, or a length field that lies (0, off by one, the
   * largest, noise). `fields` are big-endian length (or count) fields as offsets into the input.
   */
  mutateBytes(input: Uint8Array, opts: { fields?: readonly LengthField[]; donors?: readonly Uint8Array[]; maxLength?: number } = {}): Buffer {
    let out = Buffer.from(input);
    const max = opts.maxLength ?? 65_535;
    for (let edits = 1 + this.int(4); edits > 0; edits--) {
      const at = this.int(out.length + 1);
      const span = 1 + this.int(16);
      switch (this.int(opts.fields?.length ? 8 : 7)) {
        case 0:
          if (at < out.length) out[at] ^= 1 << this.int(8);
          break;
        case 1:
          if (at < out.length) out[at] = this.pick(EDGE_BYTES);
          break;
        case 2:
          out = out.subarray(0, this.int(out.length + 1));
          break;
        case 3: {
          const donor = opts.donors?.length && this.int(2) === 0 ? this.pick(opts.donors) : this.int(2) === 0 ? out : this.bytes(span);
          const from = this.int(donor.length + 1);
          out = Buffer.concat([out.subarray(0, at), donor.subarray(from, from + span * (1 + this.int(4))), out.subarray(at)]);
          break;
        }
        case 4:
          out = Buffer.concat([out.subarray(0, at), out.subarray(at + span)]);
          break;
        case 5:
          out = Buffer.concat([out.subarray(0, at), ...Array<Buffer>(1 + this.int(8)).fill(out.subarray(at, at + span)), out.subarray(at)]);
          break;
        case 6:
          out = Buffer.concat([out.subarray(0, at), this.bytes(1 + this.int(3)), out.subarray(at)]);
          break;
        default: {
          const field = this.pick(opts.fields!);
          if (field.offset + field.size > out.length) break;
          const top = 2 ** (8 * field.size) - 1;
          const now = out.readUIntBE(field.offset, field.size);
          const lie = this.pick([0, 1, now - 1, now + 1, now * 2, top, top - 1, this.int(top + 1)]);
          out.writeUIntBE(Math.max(0, Math.min(top, lie)), field.offset, field.size);
        }
      }
      // A copy: the edits above may share memory with the input or a donor.
      out = Buffer.from(out.subarray(0, max));
    }
    return out;
  }

  /** 1 to 3 edits of a token list: replace, insert, delete or repeat a token, or mutate its text. */
  mutateList(list: readonly string[], tokens: readonly string[]): string[] {
    const out = [...list];
    for (let edits = 1 + this.int(3); edits > 0; edits--) {
      const at = this.int(out.length + 1);
      switch (this.int(5)) {
        case 0:
          out.splice(at, 1, this.pick(tokens));
          break;
        case 1:
          out.splice(at, 0, this.pick(tokens));
          break;
        case 2:
          out.splice(at, 1);
          break;
        case 3:
          if (at < out.length) out.splice(at, 0, out[at]);
          break;
        default:
          if (at < out.length) out[at] = this.mutateText(out[at], tokens);
      }
    }
    return out;
  }
}

/** For a failure message: the seed and the input, replayable with TP_FUZZ_SEED. */
export function replay(seed: number, index: number, input: unknown): string {
  return `TP_FUZZ_SEED=${seed}, input #${index}: ${JSON.stringify(input)}`;
}

/** Bytes as hex, for a failure message (a long input is shown whole: it must replay as a unit case). */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
