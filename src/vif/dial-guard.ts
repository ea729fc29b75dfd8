// The connect recursion guard (Telepresence 2's, for clusters on this machine): while a dial to one
// destination IP:port is in flight, further attempts to it are held, not dialled. A cluster that can
// reach this workstation sends a connection it cannot place (no endpoint: the node's default route)
// back here, so the first dial's own stream makes the next SYN to the same destination; dialling that
// one would make another, and so on. Held attempts follow the first: on its success each dials on its
// own (the destination answers, so they are ordinary parallel connections); on its failure or timeout
// they all fail at once, without dialling. No timers and no sockets here: the caller bounds each dial.

/** Why a held attempt failed: the first attempt to the same destination failed. */
export class HeldAttemptFailed extends Error {
  constructor(readonly destination: string, readonly reason: string) {
    super(`held while the first connect to ${destination} was in flight; it failed (${reason})`);
    this.name = 'HeldAttemptFailed';
  }
}

interface Burst {
  /** Attempts held behind the first. */
  held: number;
  /** Settles with the first attempt's outcome: null on success, else its reason. Never rejects. */
  outcome: Promise<string | null>;
}

export interface Attempt<T> {
  /** True when another attempt to the same destination was in flight: this one waits for it. */
  readonly held: boolean;
  readonly result: Promise<T>;
}

export class DialGuard {
  private readonly bursts = new Map<string, Burst>();

  /** `log` gets one line when a burst starts holding and one when its first attempt settles (if it held any). */
  constructor(private readonly log: (line: string) => void = () => {}) {}

  /**
   * Dials `destination` (its key and its text, e.g. "10.130.0.99:81") with `dial`, unless an attempt
   * to it is in flight: then this one is held, and dials only once that one succeeded; when that one
   * fails, this one rejects with HeldAttemptFailed without dialling.
   */
  attempt<T>(destination: string, dial: () => Promise<T>): Attempt<T> {
    const burst = this.bursts.get(destination);
    if (burst) {
      burst.held += 1;
      if (burst.held === 1) this.log(`vif: guard: holding connects to ${destination} while the first is in flight`);
      return {
        held: true,
        result: burst.outcome.then((reason) => {
          if (reason !== null) throw new HeldAttemptFailed(destination, reason);
          return dial();
        }),
      };
    }
    let settle: (reason: string | null) => void = () => {};
    const fresh: Burst = { held: 0, outcome: new Promise((resolve) => (settle = resolve)) };
    // In the map before the dial starts: a dial that loops back at once finds it.
    this.bursts.set(destination, fresh);
    const result = Promise.resolve().then(dial);
    const done = (reason: string | null) => {
      this.bursts.delete(destination);
      if (fresh.held > 0) {
        this.log(reason === null
          ? `vif: guard: ${destination} answered: ${plural(fresh.held)} released`
          : `vif: guard: ${destination} failed (${reason}): ${plural(fresh.held)} failed with it`);
      }
      settle(reason);
    };
    result.then(() => done(null), (err: unknown) => done(err instanceof Error ? err.message : String(err)));
    return { held: false, result };
  }

  /** Destinations with an attempt in flight (the map empties when they settle). */
  get inFlight(): number {
    return this.bursts.size;
  }

  /** True while an attempt to `destination` is in flight (a new one would be held). */
  inFlightTo(destination: string): boolean {
    return this.bursts.has(destination);
  }

  /** Attempts held behind `destination`'s first, 0 when none is in flight. */
  heldFor(destination: string): number {
    return this.bursts.get(destination)?.held ?? 0;
  }
}

function plural(n: number): string {
  return n === 1 ? '1 held attempt' : `${n} held attempts`;
}
