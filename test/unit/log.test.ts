// The one log writer: stamped lines appended to the file (or stdout), on stderr too with --verbose.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openLog } from '../../src/log.js';

describe('openLog', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'tp-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends lines stamped with the seconds since the start, one newline each', () => {
    const file = path.join(dir, 'tp.log');
    const log = openLog(file, { started: Date.now() - 12_345 });
    expect(log('first')).to.equal(true);
    log('second\n');
    openLog(file, { started: Date.now() })('another run');
    expect(readFileSync(file, 'utf8')).to.match(/^ {2}12\.3 first\n {2}12\.3 second\n {3}0\.0 another run\n$/);
  });

  it('verbose: the same stamped line on stderr as well', () => {
    const file = path.join(dir, 'tp.log');
    const stderr: string[] = [];
    const log = openLog(file, { verbose: true, stderr: (t) => stderr.push(t), started: Date.now() });
    log('command: true -> exit 0 in 1 ms');
    expect(stderr).to.deep.equal(['   0.0 command: true -> exit 0 in 1 ms\n']);
    expect(readFileSync(file, 'utf8')).to.equal('   0.0 command: true -> exit 0 in 1 ms\n');
  });

  it('not verbose: nothing on stderr', () => {
    const stderr: string[] = [];
    openLog(path.join(dir, 'tp.log'), { stderr: (t) => stderr.push(t) })('quiet');
    expect(stderr).to.deep.equal([]);
  });

  it('a log that cannot be written says so and does not throw; a broken stderr neither', () => {
    const log = openLog(path.join(dir, 'no-such-dir', 'tp.log'), { verbose: true, stderr: () => { throw new Error('closed'); } });
    expect(log('lost')).to.equal(false);
  });

  it('"-" writes to stdout', () => {
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(openLog('-', { started: Date.now() })('to stdout')).to.equal(true);
    } finally {
      process.stdout.write = write;
    }
    expect(written).to.deep.equal(['   0.0 to stdout\n']);
  });
});
