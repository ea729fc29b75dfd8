// Error classes with a category, the offending value and the next step; the CLI maps the category
// to an exit code and prints one line. Pure: imported by every layer, the engine included.

export type ErrorCategory = 'user' | 'config' | 'cluster' | 'conflict' | 'unsupported' | 'bug';

export const EXIT_CODES: Record<ErrorCategory, number> = {
  user: 2, // a bad flag or value on the command line (argparse's code, as Telepresence 1)
  config: 2, // a bad config file
  conflict: 1, // a routing plan that cannot be applied
  unsupported: 1, // understood, but not something this release or this machine can do
  cluster: 255, // the cluster or the connection to it failed (Telepresence 1's code)
  bug: 255,
};

export class TelepresenceError extends Error {
  readonly category: ErrorCategory;
  constructor(category: ErrorCategory, message: string) {
    super(message);
    this.name = new.target.name;
    this.category = category;
  }
}

/** A bad command-line value: the message names the flag, the value and the fix. */
export class UsageError extends TelepresenceError {
  constructor(message: string) {
    super('user', message);
  }
}

/** A bad config file: the message names the file, the key and the value. */
export class ConfigError extends TelepresenceError {
  constructor(message: string) {
    super('config', message);
  }
}

/** The cluster, or the way to it, failed. */
export class ClusterError extends TelepresenceError {
  constructor(message: string) {
    super('cluster', message);
  }
}

/** A subnet conflict that the plan could not resolve; message is Telepresence 2's text. */
export class ConflictError extends TelepresenceError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A valid request that this release or this machine cannot carry out. */
export class UnsupportedError extends TelepresenceError {
  constructor(message: string) {
    super('unsupported', message);
  }
}
