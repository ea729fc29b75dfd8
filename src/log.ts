// The session log (--logfile; `-` is stdout): timestamped lines, appended, never on the terminal
// unless asked. Writes are synchronous so the last lines survive a crash.
import { appendFileSync } from 'node:fs';

export type Log = (line: string) => void;

export function openLog(logfile: string, started = Date.now()): Log {
  return (line: string) => {
    const text = line.endsWith('\n') ? line : line + '\n';
    const stamped = `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} ${text}`;
    try {
      if (logfile === '-') process.stdout.write(stamped);
      else appendFileSync(logfile, stamped);
    } catch {
      // A log that cannot be written must not end the session.
    }
  };
}
