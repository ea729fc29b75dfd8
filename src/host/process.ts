// Processes of this machine, for the repair of what a killed run left: whether one still runs, which
// command it is, and stopping one by its recorded pid (never by a name pattern).
import { readFileSync } from 'node:fs';
import { pollUntil } from '../deadline.js';

/** True while `pid` exists (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of `pid` (Linux /proc), or null when it is gone or cannot be read. */
export function processCommandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/** This boot's id: a pid recorded before a reboot names another process, or none. */
export function currentBootIdSync(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Stops `pid` with SIGTERM (SIGKILL after graceMs) when it still runs the command `isOurs` recognises:
 * a recorded pid may have been reused by another program. Says whether it stopped one.
 */
export async function stopRecordedProcess(pid: number, isOurs: (argv: string[]) => boolean, graceMs = 3000): Promise<boolean> {
  const argv = processCommandLine(pid);
  if (!argv || !isOurs(argv)) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  };
  signal('SIGTERM');
  const gone = () => (isProcessAlive(pid) && processCommandLine(pid) !== null ? undefined : true);
  if (!(await pollUntil(gone, { deadline: Date.now() + graceMs, intervalMs: 50 }))) signal('SIGKILL');
  return true;
}
