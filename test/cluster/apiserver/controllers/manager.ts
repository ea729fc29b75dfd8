// Runs the in-process controllers: after every batch of store events (and once a second, for
// deadlines) each controller reconciles the whole state. Every write is idempotent, so the
// events a pass causes lead to one more pass that changes nothing and the loop settles.
import type { Registry } from '../registry.js';
import { ApiError } from '../status.js';

export interface Controller {
  name: string;
  reconcile(registry: Registry): void;
}

const TICK_MS = 1000;
/** Passes in a row allowed before the manager yields to I/O; protects against a write loop. */
const MAX_BURST = 50;

export class ControllerManager {
  private scheduled = false;
  private burst = 0;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly registry: Registry, private readonly controllers: Controller[]) {}

  start(): void {
    this.unsubscribe = this.registry.store.subscribe(() => this.schedule());
    this.timer = setInterval(() => {
      this.burst = 0;
      this.schedule();
    }, TICK_MS);
    this.timer.unref();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
  }

  private schedule(): void {
    if (this.scheduled || this.stopped || this.burst >= MAX_BURST) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** One pass of every controller; errors are logged and retried on the next pass. */
  runOnce(): void {
    for (const c of this.controllers) {
      try {
        c.reconcile(this.registry);
      } catch (err) {
        // A Conflict/NotFound from a concurrent client write is normal: the next pass retries.
        if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) {
          console.error(`apiserver: controller ${c.name}:`, err);
        }
      }
    }
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.burst++;
    this.runOnce();
  }
}
