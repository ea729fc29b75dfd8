// Baselines for the fuzz suites: open fds (/proc/self/fd) and heap after a full collection, and a poll
// until a run is back to them (sockets close and memory is freed a little after the last input).
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { waitFor } from './poll.js';

/** A garbage collection now: global.gc under --expose-gc, else V8's gc() switched on for this process. */
const collect: (() => void) | null = (() => {
  if (typeof global.gc === 'function') return global.gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

export interface Resources {
  fds: number;
  heapUsed: number;
  rss: number;
}

/** Open fds (/proc/self/fd) and memory, after a full collection when one is available. */
export function resources(): Resources {
  collect?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { fds: fs.readdirSync('/proc/self/fd').length, heapUsed, rss };
}

/**
 * Polls until the open fds are back to `base` (+ `fdSlack`) and the heap within `heapSlack` bytes of it
 * (rss, with four times the slack, when no collection can be forced); fails naming `what` and the counts.
 */
export async function expectBaseline(what: string, base: Resources, opts: { fdSlack?: number; heapSlack?: number; timeoutMs?: number } = {}): Promise<Resources> {
  const fdSlack = opts.fdSlack ?? 2;
  const heapSlack = opts.heapSlack ?? 16 * 2 ** 20;
  let last = base;
  try {
    return await waitFor(`${what}: fds and memory back to their baseline`, opts.timeoutMs ?? 3000, () => {
      last = resources();
      const memory = collect ? last.heapUsed - base.heapUsed <= heapSlack : last.rss - base.rss <= 4 * heapSlack;
      return last.fds <= base.fds + fdSlack && memory ? last : undefined;
    }, 20);
  } catch (err) {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new Error(`${(err as Error).message}: fds ${base.fds} -> ${last.fds}, heap ${mib(base.heapUsed)} -> ${mib(last.heapUsed)}, rss ${mib(base.rss)} -> ${mib(last.rss)}`);
  }
}
