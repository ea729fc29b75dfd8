// The memory of destinations that answered moments ago (issue 17, first-byte latency), the VIF's and
// inject-tcp's relay's: a SYN (a SOCKS CONNECT) to an IP:port whose dial succeeded within the last `ttlMs`
// is taken (answered) at once while its dial runs, instead of waiting for the cluster's answer. Bounded (the oldest entry goes first); a failed dial drops its
// entry, so a destination that stops answering is held again from its next SYN on. Pure: the clock is passed in.

/** How long a destination that answered is taken at once (default), and how many are remembered. */
export const RECENT_DIALS_MS = 5000;
export const RECENT_DIALS_MAX = 4096;

export class RecentDials {
  /** Destination -> when its latest dial succeeded; Map order is the order of those successes. */
  private readonly answered = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly maxEntries: number) {
    if (!(ttlMs >= 0) || !(maxEntries >= 0)) throw new RangeError('RecentDials: ttlMs and maxEntries must be >= 0');
  }

  /** A dial to `destination` succeeded at `now`: remembered (refreshed) for ttlMs. */
  succeeded(destination: string, now: number): void {
    if (this.maxEntries === 0) return;
    this.answered.delete(destination); // re-inserted last: the newest
    this.answered.set(destination, now);
    while (this.answered.size > this.maxEntries) this.answered.delete(this.answered.keys().next().value as string);
    // The oldest come first: drop those that expired, so that the map holds only live entries.
    for (const [key, at] of this.answered) {
      if (now - at < this.ttlMs) break;
      this.answered.delete(key);
    }
  }

  /** A dial to `destination` failed: it is no longer taken at once. */
  failed(destination: string): void {
    this.answered.delete(destination);
  }

  /** True when a dial to `destination` succeeded less than ttlMs before `now`; an expired entry is dropped. */
  answeredRecently(destination: string, now: number): boolean {
    const at = this.answered.get(destination);
    if (at === undefined) return false;
    if (now - at < this.ttlMs) return true;
    this.answered.delete(destination);
    return false;
  }

  get size(): number {
    return this.answered.size;
  }
}
