// The one runner for shell commands of the test cluster (docker, ip, iptables), through execa,
// so failures carry the command line and its stderr.
import { execa } from 'execa';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const debug = process.env.TP_CLUSTER_DEBUG === '1';

/** Runs a command and returns stdout; throws with the command and its stderr when it fails. */
export async function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await tryRun(cmd, args, input);
  if (r.exitCode !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Runs a command and reports its exit code instead of throwing. */
export async function tryRun(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  if (debug) process.stderr.write(`+ ${cmd} ${args.join(' ')}\n`);
  const r = await execa(cmd, args, { reject: false, input, stripFinalNewline: false });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Polls `check` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}
