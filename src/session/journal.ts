// The session journal: one small file per running session on this workstation, holding every change
// that must survive a SIGKILL (proxy objects, the port-forward's pid, the resolver change, the vpn-tcp
// lock, ...) as entries of a kind with their data. An entry is written durably BEFORE its change is
// made and settled once the change's undo has run; a later run hands the entries of a dead session to
// one repairer per kind. Only sessions started here are ever found. The header and the notes also say
// what a running session is (its method, operation and routes) for `telepresence status`.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangeJournal, JournalHandle, JournalEntry, SessionNote } from '../changes.js';
import { currentBootIdSync, isProcessAlive } from '../host/process.js';

export interface SessionHeader {
  sessionId: string;
  pid: number;
  context: string;
  namespace: string;
  deployment: string;
  started: string;
  /** The --method, and what the session does with `deployment`: absent in journals of earlier releases. */
  method?: string;
  operation?: 'new' | 'swap' | 'existing';
}

export interface RecordedEntry extends JournalEntry {
  readonly id: number;
}

export interface SessionRecord extends SessionHeader, SessionNote {
  /** The boot the session ran in: after a reboot its pid names another process, or none. */
  bootId: string;
  entries: RecordedEntry[];
}

export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'telepresence', 'sessions');
}

/** Replaces the file in one step and on disk: a crash leaves the old record or the new one, never a torn one. */
function writeDurably(file: string, record: SessionRecord): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(record) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The journal of a dead or a running session, by its file. */
class RecordFile {
  constructor(readonly file: string, readonly record: SessionRecord) {}

  save(): void {
    writeDurably(this.file, this.record);
  }

  settle(id: number): void {
    this.record.entries = this.record.entries.filter((e) => e.id !== id);
    this.save();
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

export class SessionJournal implements ChangeJournal {
  private nextId = 1;

  private constructor(private readonly records: RecordFile) {}

  /** Starts the journal of this run (the file exists from now on, with no entries). */
  static open(dir: string, header: SessionHeader): SessionJournal {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const records = new RecordFile(path.join(dir, `${header.sessionId}.json`), { ...header, bootId: currentBootIdSync(), entries: [] });
    records.save();
    return new SessionJournal(records);
  }

  get pending(): readonly RecordedEntry[] {
    return this.records.record.entries;
  }

  record<D>(kind: string, data: D): JournalHandle<D> {
    const id = this.nextId++;
    const { record } = this.records;
    record.entries.push({ id, kind, data });
    this.records.save();
    const handle: JournalHandle<D> = {
      update: (next) => {
        record.entries = record.entries.map((e) => (e.id === id ? { id, kind, data: next } : e));
        this.records.save();
      },
      settle: () => this.records.settle(id),
      settleAfter: (undo) => async () => {
        await undo();
        handle.settle();
      },
    };
    return handle;
  }

  note(facts: SessionNote): void {
    Object.assign(this.records.record, facts);
    this.records.save();
  }

  /** Removes the file when every change was undone; keeps it (for the next run) otherwise. */
  close(): boolean {
    if (this.pending.length > 0) return false;
    this.records.remove();
    return true;
  }
}

export interface DeadSession {
  readonly record: SessionRecord;
  settle(entry: RecordedEntry): void;
  /** Removes the record (every entry repaired). */
  forget(): void;
}

/** A session runs while its pid does, in the boot it was started in (after a reboot the pid is another process). */
export function isSessionAlive(record: Pick<SessionRecord, 'pid' | 'bootId'>, bootId = currentBootIdSync()): boolean {
  return record.bootId === bootId && isProcessAlive(record.pid);
}

/** Every journal of `dir` by its file (none when the directory is missing); `unreadable` gets the others. */
function readRecords(dir: string, unreadable: (file: string) => void): Array<{ file: string; record: SessionRecord }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: Array<{ file: string; record: SessionRecord }> = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as SessionRecord;
      record.entries ??= [];
      out.push({ file, record });
    } catch {
      unreadable(file);
    }
  }
  return out;
}

/** Sessions of this workstation whose process is gone without having undone everything. */
export function deadSessions(dir: string): DeadSession[] {
  const bootId = currentBootIdSync();
  // Unreadable: written by no release that journals durably.
  return readRecords(dir, (file) => rmSync(file, { force: true }))
    .filter(({ record }) => !isSessionAlive(record, bootId))
    .map(({ file, record }) => {
      const records = new RecordFile(file, record);
      return { record, settle: (entry) => records.settle(entry.id), forget: () => records.remove() };
    });
}

/** Every session journal of `dir` and whether its session runs, changing nothing (`telepresence status`). */
export function listSessions(dir: string): Array<{ record: SessionRecord; alive: boolean }> {
  const bootId = currentBootIdSync();
  return readRecords(dir, () => undefined).map(({ record }) => ({ record, alive: isSessionAlive(record, bootId) }));
}
