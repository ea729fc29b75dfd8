// One stack of undo steps for a run: every change to the host or the cluster registers its undo the
// moment it is made; teardown runs them all in reverse and collects every failure instead of stopping.
import type { UndoRegistry, UndoStep } from '../changes.js';

export interface UndoFailure {
  step: string;
  message: string;
}

export class UndoStack implements UndoRegistry {
  private readonly steps: { name: string; undo: UndoStep }[] = [];
  private running: Promise<UndoFailure[]> | null = null;

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
          await step.undo();
        } catch (err) {
          failures.push({ step: step.name, message: err instanceof Error ? err.message : String(err) });
        }
      }
      return failures;
    })();
    return this.running;
  }
}
