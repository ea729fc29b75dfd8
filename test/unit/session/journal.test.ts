// The session journal (a real file) and the repair step: entries written before a change, settled
// after its undo, kept after a failed one; a dead session's entries go to one repairer per kind.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Repairer } from '../../../src/changes.js';
import { currentBootIdSync } from '../../../src/host/process.js';
import { deadSessions, SessionJournal, type SessionRecord } from '../../../src/session/journal.js';
import { runFakeSession } from './fake-session.js';

const header = { sessionId: 'abc', pid: process.pid, context: 'c', namespace: 'ns', deployment: 'd', started: '2026-12-01T00:00:00Z' };
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'tp-journal-'));
const read = (dir: string, id = 'abc') => JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as SessionRecord;

/** The pid of a process that has exited (so its journal counts as dead). */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$" ']).toString().trim());
}

function writeDeadRecord(dir: string, entries: SessionRecord['entries'], sessionId = 'dead1'): SessionRecord {
  const record = { ...header, sessionId, pid: deadPid(), bootId: currentBootIdSync(), entries };
  writeFileSync(path.join(dir, `${sessionId}.json`), JSON.stringify(record));
  return record;
}

describe('session journal', () => {
  it('writes an entry before the change, updates it, and settles it after a successful undo', async () => {
    const dir = tmp();
    const journal = SessionJournal.open(dir, header);
    expect(read(dir).entries).to.deep.equal([]);
    const entry = journal.record('port-forward', { pid: 0 });
    expect(read(dir).entries).to.deep.equal([{ id: 1, kind: 'port-forward', data: { pid: 0 } }]);
    entry.update({ pid: 42 });
    expect(read(dir).entries).to.deep.equal([{ id: 1, kind: 'port-forward', data: { pid: 42 } }]);
    await entry.settleAfter(() => undefined)();
    expect(read(dir).entries).to.deep.equal([]);
    expect(journal.close()).to.equal(true);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('keeps an entry whose undo failed, and the file with it', async () => {
    const dir = tmp();
    const journal = SessionJournal.open(dir, header);
    const entry = journal.record('resolver', { paths: 'x' });
    let failed = '';
    try {
      await entry.settleAfter(() => { throw new Error('undo broke'); })();
    } catch (err) {
      failed = (err as Error).message;
    }
    expect(failed).to.equal('undo broke');
    expect(journal.close()).to.equal(false);
    expect(read(dir).entries.map((e) => e.kind)).to.deep.equal(['resolver']);
  });

  it('a session of an earlier boot is dead even when its pid runs now', () => {
    const dir = tmp();
    const record = { ...header, sessionId: 'old-boot', bootId: 'another-boot', entries: [] };
    writeFileSync(path.join(dir, 'old-boot.json'), JSON.stringify(record));
    expect(deadSessions(dir).map((d) => d.record.sessionId)).to.deep.equal(['old-boot']);
  });

  it('finds only dead sessions; a torn file is dropped', () => {
    const dir = tmp();
    SessionJournal.open(dir, header); // this process: alive
    writeDeadRecord(dir, [{ id: 1, kind: 'k', data: {} }]);
    writeFileSync(path.join(dir, 'torn.json'), '{"sessionId": "to');
    expect(deadSessions(dir).map((d) => d.record.sessionId)).to.deep.equal(['dead1']);
    expect(readdirSync(dir).sort()).to.deep.equal(['abc.json', 'dead1.json']);
  });
});

describe('session repair step (fake cluster)', () => {
  const calls: string[] = [];
  const repairer = (kind: string, where: 'host' | 'cluster', lines: string[] | null): Repairer<never> => ({
    kind, where, repair: async (data, session) => { calls.push(`${kind} ${JSON.stringify(data)} ${session.sessionId}`); return lines; },
  });

  it('repairs a dead session by kind, last change first, says so, and forgets it', async () => {
    calls.length = 0;
    const dir = tmp();
    writeDeadRecord(dir, [
      { id: 1, kind: 'lock', data: { file: 'f' } },
      { id: 2, kind: 'objects', data: { ns: 'a' } },
    ]);
    const run = await runFakeSession({
      journalDir: dir,
      hostRepairers: [repairer('lock', 'host', ['released the lock f'])],
      clusterRepairers: [repairer('objects', 'cluster', ['removed Deployment a/x'])],
    });
    expect(run.code).to.equal(7);
    expect(calls).to.deep.equal(['objects {"ns":"a"} dead1', 'lock {"file":"f"} dead1']);
    expect(run.stderr).to.contain('T: Repaired: removed Deployment a/x\n');
    expect(run.stderr.split('\n')).to.include('Repaired: released the lock f');
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('keeps entries of another cluster and of unknown kinds for a later run', async () => {
    const dir = tmp();
    writeDeadRecord(dir, [
      { id: 1, kind: 'objects', data: { ns: 'b' } },
      { id: 2, kind: 'from-the-future', data: {} },
      { id: 3, kind: 'lock', data: {} },
    ]);
    await runFakeSession({ journalDir: dir, hostRepairers: [repairer('lock', 'host', [])], clusterRepairers: [repairer('objects', 'cluster', null)] });
    expect(read(dir, 'dead1').entries.map((e) => e.kind)).to.deep.equal(['objects', 'from-the-future']);
  });
});
