// One stack of undo steps for a run: every change to the host or the cluster registers its undo the
// moment it is made; teardown runs them all in reverse and collects every failure instead of stopping.
// Each step has a time limit: one that hangs is reported and skipped, so cleanup always finishes.
import type { UndoRegistry, UndoStep } from '../changes.js';
import { beforeDeadline, DeadlineExceeded } from '../deadline.js';

export interface UndoFailure {
  step: string;
  message: string;
}

export interface UndoStackOptions {
  /** How long one step may take before it is reported and skipped, ms (default 15 s). */
  stepLimitMs?: number;
}

export class UndoStack implements UndoRegistry {
  private readonly steps: { name: string; undo: UndoStep }[] = [];
  private running: Promise<UndoFailure[]> | null = null;
  private readonly stepLimitMs: number;

  constructor(options: UndoStackOptions = {}) {
    this.stepLimitMs = options.stepLimitMs ?? 15_000;
  }

  push(name: string, undo: UndoStep): void {
    this.steps.push({ name, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every step once, last first; a second call waits for the first. */
  unwind(log: (line: string) => void = () => {}): Promise<UndoFailure[]> {
    this.running ??= (async () => {
      const failures: UndoFailure[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          log(`undo: ${step.name}`);
          // Promise.resolve().then: a step that throws synchronously is a failure like any other.
          const work = Promise.resolve().then(() => step.undo());
          // A step left running past its limit may still settle later: its rejection must not go unhandled.
          work.catch(() => {});
          await beforeDeadline(work, Date.now() + this.stepLimitMs, step.name);
        } catch (err) {
          const message = err instanceof DeadlineExceeded ? `did not finish within ${formatLimit(this.stepLimitMs)}; skipped` : err instanceof Error ? err.message : String(err);
          failures.push({ step: step.name, message });
        }
      }
      return failures;
    })();
    return this.running;
  }
}

function formatLimit(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
