// The internal cache of the workstation DNS server (Telepresence 2's model): successful answers are
// kept for a while, identical questions asked while a look-up runs share it, and once the recursion
// check has seen a question come back to us while it was still in flight, such repeats are answered
// NXDOMAIN instead of being sent round the loop again.
import { RCODE, type LookupResult } from './records.js';

/**
 * unknown: no check run; checking: the marker question is in flight; detected: the cluster's DNS
 * resolves through this workstation; not-detected: the marker came back once, from the cluster only.
 */
export type RecursionState = 'unknown' | 'checking' | 'detected' | 'not-detected';

/** How an answer was obtained (for the log and the tests). */
export type AnswerSource = 'lookup' | 'cache' | 'shared' | 'recursion';

interface Entry {
  created: number;
  pending: Promise<LookupResult> | null;
  result: LookupResult | null;
  /** Cleared by flush() while the look-up runs: its answer is then used once and not kept. */
  keep: boolean;
  /** Repeats answered NXDOMAIN as recursive while this look-up runs (one burst). */
  recursive: number;
}

export const NXDOMAIN_RESULT: LookupResult = Object.freeze({ rcode: RCODE.NXDOMAIN, answers: [] }) as LookupResult;

/** Entries kept at most (answers and look-ups in flight): a flood of fresh names evicts the oldest answers. */
export const MAX_CACHE_ENTRIES = 10_000;

export class LookupCache {
  private readonly entries = new Map<string, Entry>();
  private inserts = 0;
  recursion: RecursionState = 'unknown';

  constructor(
    /** How long a success is reused (Telepresence 2: 60 s). */
    readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_CACHE_ENTRIES,
  ) {}

  /**
   * The answer for `key`: cached, shared with a look-up in flight, or from `lookup`. Only NOERROR
   * results are kept, and only when `keep` is true (cluster answers; the original resolver caches its own).
   * `isRecursionCheck` marks the recursion-check question.
   */
  async get(
    key: string,
    lookup: () => Promise<LookupResult>,
    opts: { keep: boolean; isRecursionCheck?: boolean },
  ): Promise<{ result: LookupResult; source: AnswerSource; firstOfBurst?: boolean }> {
    const entry = this.entries.get(key);
    if (entry?.pending) {
      // A repeat of a question still in flight: during the check, that is the loop itself.
      if (opts.isRecursionCheck && this.recursion === 'checking') this.recursion = 'detected';
      if (this.recursion === 'detected') {
        entry.recursive += 1;
        return { result: NXDOMAIN_RESULT, source: 'recursion', firstOfBurst: entry.recursive === 1 };
      }
      return { result: await entry.pending, source: 'shared' };
    }
    if (entry?.result && this.now() - entry.created <= this.maxAgeMs) return { result: entry.result, source: 'cache' };

    const fresh: Entry = { created: this.now(), pending: null, result: null, keep: opts.keep, recursive: 0 };
    // Registered before the look-up starts, so that a question coming straight back finds it.
    this.entries.set(key, fresh);
    if (++this.inserts % 256 === 0 || this.entries.size > this.maxEntries) this.sweep();
    fresh.pending = Promise.resolve().then(lookup).then(
      (result) => {
        if (this.entries.get(key) === fresh) {
          fresh.pending = null;
          if (fresh.keep && result.rcode === RCODE.NOERROR) {
            fresh.result = result;
            fresh.created = this.now();
          } else {
            this.entries.delete(key);
          }
        }
        return result;
      },
      (err: unknown) => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
        throw err;
      },
    );
    try {
      return { result: await fresh.pending, source: 'lookup' };
    } finally {
      // The marker went out and came back (or not) without a repeat: no loop.
      if (opts.isRecursionCheck && this.recursion === 'checking') this.recursion = 'not-detected';
    }
  }

  /** Forgets every finished answer; look-ups in flight keep running and are not kept. */
  flush(): void {
    for (const [key, entry] of this.entries) {
      if (entry.pending === null) this.entries.delete(key);
      else entry.keep = false;
    }
  }

  /**
   * Drops expired answers, then (past maxEntries) the oldest answers, so that neither a long session
   * nor a burst of fresh names grows it without end. Look-ups in flight stay (the server bounds those).
   */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.pending === null && now - entry.created > this.maxAgeMs) this.entries.delete(key);
    }
    // A Map iterates in insertion order: the oldest first.
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (entry.pending === null) this.entries.delete(key);
    }
  }

  /** Entries held, expired ones included (until the next sweep). */
  get tracked(): number {
    return this.entries.size;
  }

  /** Answers kept (finished, not expired). */
  get size(): number {
    const now = this.now();
    return [...this.entries.values()].filter((e) => e.result !== null && now - e.created <= this.maxAgeMs).length;
  }
}
