// The one log writer (--logfile; `-` is stdout): timestamped lines, appended, and with --verbose
// on stderr as well. Writes are synchronous so the last lines survive a crash.
import { appendFileSync } from 'node:fs';

export type Log = (line: string) => void;

/** A Log that also says whether the line reached the file (the CLI reports a log it could not write). */
export type LogWriter = (line: string) => boolean;

export interface LogOptions {
  /** --verbose: every line on stderr too. */
  verbose?: boolean;
  /** Where verbose lines go; default process.stderr. */
  stderr?: (text: string) => void;
  /** The time the stamps count from (ms since the epoch); default now. */
  started?: number;
}

export function openLog(logfile: string, options: LogOptions = {}): LogWriter {
  const started = options.started ?? Date.now();
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  return (line: string) => {
    const text = line.endsWith('\n') ? line : line + '\n';
    const stamped = `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} ${text}`;
    if (options.verbose) {
      try {
        stderr(stamped);
      } catch {
        // A closed terminal must not end the session either; the file still gets the line.
      }
    }
    try {
      if (logfile === '-') process.stdout.write(stamped);
      else appendFileSync(logfile, stamped);
      return true;
    } catch {
      // A log that cannot be written must not end the session.
      return false;
    }
  };
}
