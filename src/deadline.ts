// The one deadline helper: race a promise against a timer, wait with an abort signal, and poll a real
// condition until it holds or the deadline passes (never a sleep in place of a condition).

export class DeadlineExceeded extends Error {}

/** Rejects with DeadlineExceeded(what) when `work` has not settled by `deadline` (ms since the epoch). */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms`, or less when the signal aborts (the caller then checks the signal). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface PollOptions {
  /** ms since the epoch. */
  deadline: number;
  /** Between probes, ms (the last wait is cut to the deadline). */
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns a value other than undefined, the deadline passes or the signal aborts;
 * resolves with that value, or undefined when it never came. The probe runs at least once.
 */
export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, o: PollOptions): Promise<T | undefined> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = o.deadline - Date.now();
    if (left <= 0 || o.signal?.aborted) return undefined;
    await pause(Math.min(o.intervalMs, left), o.signal);
  }
}
