// Runs the real bin/telepresence against the test cluster and collects what it did.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO_ROOT } from '../helpers/proxy-image.js';
import { waitFor } from '../../helpers/poll.js';

export const BIN = path.join(REPO_ROOT, 'bin/telepresence');

export interface TpResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tp-session-'));
}

/** Sessions started by a test and not yet ended: a failed assertion must not leave one running. */
const live = new Set<ResultPromise>();

export function startTelepresence(args: readonly string[], env: NodeJS.ProcessEnv = {}): ResultPromise {
  const child = execa(BIN, [...args], { reject: false, env: { ...process.env, ...env }, stdin: 'ignore' });
  live.add(child);
  void child.finally(() => live.delete(child));
  return child;
}

/**
 * Ends what a test left running (it failed before its session exited): SIGTERM, so the session restores the
 * cluster and the host as a user's Ctrl-C would, then SIGKILL after 30 s. Otherwise the child keeps mocha
 * alive after the last test, and the next test meets its TUN, resolver or swapped Deployment.
 */
export async function endLeftSessions(): Promise<{ left: number; killed: number }> {
  const left = [...live];
  let killed = 0;
  for (const child of left) child.kill('SIGTERM');
  await Promise.all(left.map(async (child) => {
    const timer = setTimeout(() => { killed += 1; child.kill('SIGKILL'); }, 30_000);
    await child.catch(() => undefined);
    clearTimeout(timer);
  }));
  return { left: left.length, killed };
}

// A root hook (this module is loaded by every session test file): after each test, none of its sessions live on.
afterEach(async function () {
  this.timeout(60_000);
  const { left, killed } = await endLeftSessions();
  // A session that SIGTERM did not end in 30 s is a bug of its own: say so loudly (the test already failed).
  if (left > 0) console.log(`      (ended ${left} session(s) the test left running${killed ? `; ${killed} ignored SIGTERM for 30 s and got SIGKILL` : ''})`);
});

export async function telepresence(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<TpResult> {
  const r = await startTelepresence(args, env);
  return { exitCode: r.exitCode ?? 128, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Lines of stderr that are not progress lines (`T: ...`). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !l.startsWith('T: '));
}

/**
 * Starts a session in the background and resolves once it launched its command ("Setup complete"),
 * with the child and what it printed to stderr so far (a function, as it keeps growing).
 */
export async function launchedSession(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ResultPromise; stderr: () => string }> {
  const child = startTelepresence(args, env);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  await waitFor('the session to launch its command', 120_000, () => (stderr.includes('Setup complete') || child.exitCode !== null ? true : undefined))
    .catch(() => undefined);
  if (!stderr.includes('Setup complete')) throw new Error(`the session did not launch its command (exit ${child.exitCode}): ${stderr}`);
  return { child, stderr: () => stderr };
}
