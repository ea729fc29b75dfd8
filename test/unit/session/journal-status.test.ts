// What the journal tells `telepresence status`: the header's method and operation, the notes a method
// adds (routes, container), and the listing of live and dead sessions, which changes no file.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentBootIdSync } from '../../../src/host/process.js';
import { deadSessions, listSessions, SessionJournal, type SessionRecord } from '../../../src/session/journal.js';

const header = {
  sessionId: 'abc', pid: process.pid, context: 'c', namespace: 'ns', deployment: 'd', started: '2026-12-01T00:00:00Z', method: 'vpn-tcp', operation: 'new' as const,
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'tp-journal-status-'));
const read = (dir: string, id = 'abc') => JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as SessionRecord;
const deadPid = () => Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$" ']).toString().trim());

describe('session journal: what status reads', () => {
  it('keeps the method and operation of the header, and adds the notes beside the entries', () => {
    const dir = tmp();
    const journal = SessionJournal.open(dir, header);
    journal.record('vpn-tcp-lock', { path: '/run/x' });
    journal.note({ routes: ['10.96.0.0/12', '246.246.0.0/16'] });
    journal.note({ container: 'web' });
    const { bootId: _bootId, ...rest } = read(dir);
    expect(rest).to.deep.equal({
      ...header, entries: [{ id: 1, kind: 'vpn-tcp-lock', data: { path: '/run/x' } }], routes: ['10.96.0.0/12', '246.246.0.0/16'], container: 'web',
    });
  });

  it('lists live and dead sessions (another boot counts as dead), and leaves every file as it was, even an unreadable one', () => {
    const dir = tmp();
    SessionJournal.open(dir, header);
    const dead = { ...header, sessionId: 'dead', pid: deadPid(), bootId: currentBootIdSync(), entries: [] };
    const rebooted = { ...header, sessionId: 'old-boot', bootId: 'another-boot', entries: [] };
    writeFileSync(path.join(dir, 'dead.json'), JSON.stringify(dead));
    writeFileSync(path.join(dir, 'old-boot.json'), JSON.stringify(rebooted));
    writeFileSync(path.join(dir, 'torn.json'), '{"sessionId":');
    const before = readdirSync(dir).sort();
    expect(listSessions(dir).map((s) => [s.record.sessionId, s.alive])).to.deep.equal([['abc', true], ['dead', false], ['old-boot', false]]);
    expect(readdirSync(dir).sort()).to.deep.equal(before);
    // repair's listing takes the same two as dead, and removes the unreadable file
    expect(deadSessions(dir).map((s) => s.record.sessionId)).to.deep.equal(['dead', 'old-boot']);
    expect(readdirSync(dir).sort()).to.deep.equal(['abc.json', 'dead.json', 'old-boot.json']);
  });

  it('lists nothing for a directory that does not exist', () => {
    expect(listSessions(path.join(tmp(), 'missing'))).to.deep.equal([]);
  });
});
