// The session's mount step with a fake sshfs: where the mount goes ($TELEPRESENCE_ROOT), what is made
// for it and removed after, --mount PATH refused before anything runs, and the one warning of a
// missing piece (silenced by --mount false).
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFakeSession } from './fake-session.js';

const WARNING = "Warning: the pod's volumes are not mounted ($TELEPRESENCE_ROOT is empty): sshfs is not on PATH; install the Debian package sshfs (apt-get install sshfs); --mount false silences this\n";

describe('session: the pod volumes (fake sshfs)', () => {
  it('by default: a fresh private directory, named by $TELEPRESENCE_ROOT, removed after', async () => {
    const run = await runFakeSession();
    const root = run.userEnv?.TELEPRESENCE_ROOT ?? '';
    expect(root).to.match(new RegExp(`^${os.tmpdir()}/tel-[A-Za-z0-9]{6}/fs$`));
    expect(run.stderr).to.contain(`T: Volumes are rooted at $TELEPRESENCE_ROOT (${root}).\n`);
    expect(existsSync(root)).to.equal(false);
    expect(existsSync(path.dirname(root))).to.equal(false);
  });

  it('--mount PATH: created (0700) when missing, and removed after', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tp-mnt-')), 'a', 'b');
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--mount', dir, '--run', 'true'] });
    expect(run.userEnv?.TELEPRESENCE_ROOT).to.equal(dir);
    expect(existsSync(path.dirname(dir))).to.equal(false);
    expect(run.events).to.include('mount');
  });

  it('--mount PATH: an empty directory is used and kept', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-mnt-'));
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--mount', dir, '--run', 'true'] });
    expect(run.userEnv?.TELEPRESENCE_ROOT).to.equal(dir);
    expect(statSync(dir).isDirectory()).to.equal(true);
  });

  it('--mount PATH: refused before anything runs when not empty, or not a directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-mnt-'));
    writeFileSync(path.join(dir, 'file'), 'x');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'f'), 'x');
    let run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--mount', path.join(dir, 'sub'), '--run', 'true'] });
    expect(run.error).to.equal(`--mount ${dir}/sub: the directory is not empty: name an empty or a new directory`);
    expect(run.events).to.deep.equal([]);
    run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--mount', path.join(dir, 'file'), '--run', 'true'] });
    expect(run.error).to.equal(`--mount ${dir}/file: not a directory: name an empty or a new directory`);
  });

  it('a missing piece: one warning line, no mount, $TELEPRESENCE_ROOT empty, the session goes on', async () => {
    const run = await runFakeSession({ missingPiece: { kind: 'sshfs' } });
    expect(run.code).to.equal(7);
    expect(run.stderr.split('\n').filter((l) => l.includes('volumes'))).to.deep.equal([WARNING.trim()]);
    expect(run.events).to.not.include('mount');
    expect(run.userEnv?.TELEPRESENCE_ROOT).to.equal('');
  });

  it('--mount false: no mount and no warning', async () => {
    const run = await runFakeSession({ missingPiece: { kind: 'sshfs' }, argv: ['-m', 'inject-tcp', '--mount', 'false', '--run', 'true'] });
    expect(run.code).to.equal(7);
    expect(run.stderr).to.not.contain('volumes');
    expect(run.events).to.not.include('mount');
    expect(run.userEnv?.TELEPRESENCE_ROOT).to.equal('');
  });
});
