// Ctrl-C, SIGTERM and SIGHUP during a session: before the user process runs they abort the set-up
// (which then unwinds); while it runs they are passed on to it, and the session ends when it exits.
import os from 'node:os';
import type { Log } from '../log.js';
import { TelepresenceError } from '../errors.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class SessionInterrupted extends TelepresenceError {
  constructor(signal: string) {
    super('user', `interrupted by ${signal}; everything the session set up was removed`);
  }
}

export class SessionSignals {
  received: NodeJS.Signals | null = null;
  private readonly controller = new AbortController();
  private target: { signal(sig: NodeJS.Signals): void } | null = null;
  private readonly handler = (sig: NodeJS.Signals) => {
    this.log(`received ${sig}`);
    this.received ??= sig;
    if (this.target) this.target.signal(sig);
    else this.controller.abort(new SessionInterrupted(sig));
  };

  constructor(private readonly log: Log) {
    for (const sig of SIGNALS) process.on(sig, this.handler);
  }

  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws when a signal arrived during set-up. */
  check(): void {
    if (this.received && !this.target) throw new SessionInterrupted(this.received);
  }

  forwardTo(target: { signal(sig: NodeJS.Signals): void }): void {
    this.target = target;
  }

  /** 128 + the signal's number, as a shell reports it. */
  exitCode(): number {
    return 128 + (this.received ? os.constants.signals[this.received] : 0);
  }

  dispose(): void {
    for (const sig of SIGNALS) process.removeListener(sig, this.handler);
  }
}
