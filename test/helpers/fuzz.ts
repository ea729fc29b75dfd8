// A small seeded PRNG and mutators for the fuzz tests: the seed comes from TP_FUZZ_SEED (to replay a
// failure) or the clock, and is printed in the test title; a failure names the seed and the input.

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
