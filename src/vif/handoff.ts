// Work handed off the packet path: each job runs after the current read of packets (setImmediate), so a
// slow or bad job cannot delay the packets read with it; at most `limit` wait, and a flood is refused.
export class HandOff {
  private waiting = 0;
  private stopped = false;

  constructor(private readonly limit: number, private readonly onError: (err: Error) => void) {}

  /** Queues `job`; false (and nothing queued) when `limit` jobs already wait or the hand-off stopped. */
  offer(job: () => void): boolean {
    if (this.stopped || this.waiting >= this.limit) return false;
    this.waiting += 1;
    setImmediate(() => {
      this.waiting -= 1;
      if (this.stopped) return;
      try {
        job();
      } catch (err) {
        this.onError(err as Error);
      }
    });
    return true;
  }

  /** Jobs still waiting are dropped. */
  stop(): void {
    this.stopped = true;
  }
}
