// main's internal-error entry goes through the one log writer: to the log file, and with --verbose
// on stderr too (the stack included, since the user asked for the details).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { run } from '../../../src/cli/main.js';

/** Runs a session whose first error line fails to print: a bug of its own, reported with its stack. */
async function failingReport(flags: string[]): Promise<{ code: number; stderr: string[]; log: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-verbose-'));
  const logfile = path.join(dir, 'tp.log');
  const stderr: string[] = [];
  const io = {
    stdout: () => undefined,
    stderr: (text: string) => {
      if (text.startsWith('telepresence: error:')) throw new TypeError('stderr is gone');
      stderr.push(text);
    },
  };
  try {
    const code = await run(['--logfile', logfile, ...flags, '--run', 'ls'], io, { HOME: dir });
    return { code, stderr, log: readFileSync(logfile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('telepresence --verbose: internal errors', () => {
  it('the stamped stack goes to the log and to stderr, then the one-line report', async () => {
    const { code, stderr, log } = await failingReport(['--verbose']);
    expect(code).to.equal(255);
    expect(stderr).to.have.length(2);
    expect(stderr[0]).to.match(/^ +\d+\.\d internal error: TypeError: stderr is gone\n {4}at /);
    expect(stderr[1]).to.equal('telepresence: internal error: stderr is gone (see the log)\n');
    expect(log).to.contain(stderr[0]);
  });

  it('without --verbose the log file alone gets the stack', async () => {
    const { code, stderr, log } = await failingReport([]);
    expect([code, stderr]).to.deep.equal([255, ['telepresence: internal error: stderr is gone (see the log)\n']]);
    expect(log).to.match(/(^|\n) +\d+\.\d internal error: TypeError: stderr is gone\n {4}at /);
  });
});
