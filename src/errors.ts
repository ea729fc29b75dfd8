// Error classes with a category, the offending value, the cause and the next step; the CLI maps the
// category to an exit code and prints one line. Pure: imported by every layer, the engine included.

export type ErrorCategory = 'user' | 'config' | 'cluster' | 'host' | 'conflict' | 'unsupported' | 'platform' | 'bug';

export const EXIT_CODES: Record<ErrorCategory, number> = {
  user: 2, // a bad flag or value on the command line (argparse's code, as Telepresence 1)
  config: 2, // a bad config file
  conflict: 1, // a routing plan that cannot be applied
  unsupported: 1, // understood, but not something this release or this machine can do
  platform: 1, // understood, but not on this operating system: the one code for every such check
  cluster: 255, // the cluster or the connection to it failed (Telepresence 1's code)
  // A command of the workstation (ip, resolvectl, kubectl, ...) failed or is not installed: a start-up
  // failure like Telepresence 1's 255, but its own category, since the fix is on the workstation.
  host: 255,
  bug: 255,
};

export interface ErrorDetails {
  /** The offending value: a flag's value, a file, a command line, a platform. */
  value?: string;
  /** The next step for the user; the message ends with it, after "; ". */
  hint?: string;
  /** The error underneath (a failed command, a system call), kept for the log. */
  cause?: unknown;
}

export class TelepresenceError extends Error {
  readonly category: ErrorCategory;
  readonly value: string | undefined;
  readonly hint: string | undefined;
  constructor(category: ErrorCategory, message: string, details: ErrorDetails = {}) {
    super(details.hint ? `${message}; ${details.hint}` : message, 'cause' in details ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.category = category;
    this.value = details.value;
    this.hint = details.hint;
  }
}

/** The class of one category: a message, and optionally the offending value, the hint and the cause. */
function errorOf(category: ErrorCategory) {
  return class extends TelepresenceError {
    constructor(message: string, details?: ErrorDetails) {
      super(category, message, details);
    }
  };
}

/** A bad command-line value: the message names the flag, the value and the fix. */
export class UsageError extends errorOf('user') {}

/** A bad config file: the message names the file, the key and the value. */
export class ConfigError extends errorOf('config') {}

/** The cluster, or the way to it, failed. */
export class ClusterError extends errorOf('cluster') {}

/**
 * The sshd at the end of the port-forward showed another host key than the proxy pod published through
 * the API server: the connection is not to that pod. Exit code as for any failed connection (255).
 */
export class HostKeyMismatchError extends errorOf('cluster') {
  constructor(readonly pod: string, readonly expected: string, readonly got: string) {
    super(`the proxy pod's SSH host key did not match (pod ${pod}: expected ${expected}, got ${got}): the connection is not to the pod this session started; `
      + "try again, and if it repeats, check what is listening on the session's kubectl port-forward");
  }
}

/** A command of the workstation failed or is not installed; the message names the command line. */
export class HostError extends errorOf('host') {}

/** A subnet conflict that the plan could not resolve; message is Telepresence 2's text. */
export class ConflictError extends errorOf('conflict') {}

/** A valid request that this release or this machine cannot carry out. */
export class UnsupportedError extends errorOf('unsupported') {}

/** Something this release does only on other operating systems: one text, one exit code. */
export class PlatformError extends TelepresenceError {
  /** E.g. ('reading the route table', 'darwin', ['linux'], 'pass a saved table with --route-table FILE'). */
  constructor(what: string, platform: string, supported: readonly string[], hint?: string) {
    super('platform', `${what} is not supported on ${platform} yet (supported: ${supported.join(', ')})`, { value: platform, hint });
  }
}
