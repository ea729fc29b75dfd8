// The fuzz suites' batch runner: inputs made from one seeded generator, fed one at a time or a few at
// once, a check after each batch, a time bound per batch and per input, and every failure named by the
// seed and the input's index (or the batch's range), so that TP_FUZZ_SEED=N replays it.
import { Fuzz, replay } from './fuzz.js';

export interface FuzzRun<T> {
  what: string;
  /** The run's seed (printed); `offset` tells this suite's generator apart from the others of the run. */
  seed: number;
  offset: number;
  inputs: number;
  batches: number;
  /** A batch (its inputs and the check after it) that takes longer fails the run. */
  batchMs: number;
  /** One input that takes longer fails the run (a stall, not slowness, is what this catches). */
  inputMs?: number;
  /** How many feeds may be in flight at once (default 1). The inputs are made in order all the same. */
  parallel?: number;
  make(fuzz: Fuzz, index: number): T;
  /** The input as the failure message shows it (default: JSON). */
  show?(input: T): unknown;
  feed(input: T, index: number): void | Promise<void>;
  /** After each batch, with no feed in flight: a valid request still answered, nothing left behind. */
  afterBatch?(batch: number): void | Promise<void>;
}

export interface FuzzReport {
  inputs: number;
  ms: number;
  slowestBatchMs: number;
}

class FuzzFailure extends Error {}

/**
 * Feeds `inputs` generated inputs in batches. Any error — thrown by make() or feed(), or escaping to the
 * process as an uncaught exception or unhandled rejection while the run lasts — fails the run with the
 * seed and the input's index (or the batch's range); so does a batch or an input over its time bound.
 */
export async function runFuzz<T>(run: FuzzRun<T>): Promise<FuzzReport> {
  const fuzz = new Fuzz(run.seed + run.offset);
  const perBatch = Math.ceil(run.inputs / run.batches);
  const parallel = Math.max(1, run.parallel ?? 1);
  let escaped: unknown = null;
  let failed: FuzzFailure | null = null;
  /** The latest input made or batch checked, for an exception that escapes to the process. */
  let latest = () => '';
  const onEscape = (err: unknown) => (escaped ??= err);
  const saved = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.removeAllListeners(event);
    process.on(event, onEscape);
  }
  const failure = (where: string, err: unknown): FuzzFailure => {
    if (err instanceof FuzzFailure) return err;
    const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return new FuzzFailure(`${run.what}: ${where}: ${why}`);
  };
  const check = () => {
    if (failed) throw failed;
    if (escaped !== null) throw failure(`escaped to the process (at or before ${latest()})`, escaped);
  };
  /** One input, start to end; a failure is kept for check(), named by its own index. */
  const one = async (index: number): Promise<void> => {
    let input: T | undefined;
    let made = false;
    const label = () => replay(run.seed, index, !made ? '(not made yet)' : run.show ? run.show(input as T) : input);
    latest = label;
    const started = performance.now();
    try {
      input = run.make(fuzz, index);
      made = true;
      await run.feed(input, index);
      const took = performance.now() - started;
      if (run.inputMs !== undefined && took > run.inputMs) throw new Error(`the input took ${took.toFixed(0)} ms, more than ${run.inputMs} ms`);
    } catch (err) {
      failed ??= failure(label(), err);
    }
  };
  const started = performance.now();
  let slowest = 0;
  try {
    for (let batch = 0, index = 0; index < run.inputs; batch++) {
      const batchStarted = performance.now();
      const first = index;
      const inflight = new Set<Promise<void>>();
      for (; index < Math.min(run.inputs, first + perBatch); index++) {
        const feeding = one(index);
        inflight.add(feeding);
        void feeding.then(() => inflight.delete(feeding));
        if (inflight.size >= parallel) await Promise.race(inflight);
        check();
      }
      await Promise.all(inflight);
      check();
      const where = `after batch ${batch} (inputs #${first} to #${index - 1}), TP_FUZZ_SEED=${run.seed}`;
      latest = () => where;
      try {
        await run.afterBatch?.(batch);
      } catch (err) {
        throw failure(where, err);
      }
      check();
      const ms = performance.now() - batchStarted;
      slowest = Math.max(slowest, ms);
      if (ms > run.batchMs) throw failure(where, new Error(`the batch took ${ms.toFixed(0)} ms, more than ${run.batchMs} ms`));
    }
  } finally {
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      process.off(event, onEscape);
      for (const listener of saved[event]) process.on(event, listener as never);
    }
  }
  return { inputs: run.inputs, ms: performance.now() - started, slowestBatchMs: slowest };
}
