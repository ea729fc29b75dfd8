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

export function startTelepresence(args: readonly string[], env: NodeJS.ProcessEnv = {}): ResultPromise {
  return execa(BIN, [...args], { reject: false, env: { ...process.env, ...env }, stdin: 'ignore' });
}

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
