// Test helpers: run the command line in-process (run()) or through the real bin (bin/telepresence).
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runInProcess(argv: string[], env: NodeJS.ProcessEnv = { HOME: '/nonexistent' }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, env);
  return { code, stdout, stderr };
}

/** dist/test/unit/cli -> the repository's bin/telepresence. */
export const BIN = fileURLToPath(new URL('../../../../bin/telepresence', import.meta.url));

export async function runBin(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await execa(BIN, argv, {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
