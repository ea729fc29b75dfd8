// The whole-host lock: the host has one routing table and one resolver, so one vpn-tcp session runs
// per workstation. Journalled, so that a later run releases the lock of a session that was killed.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeJournal, Repairer, UndoRegistry } from '../src/changes.js';
import { UnsupportedError } from '../src/errors.js';
import { isProcessAlive } from '../src/host/process.js';

export const LOCK_FILE = '/run/telepresence/vpn-tcp.pid';

export interface HostLockEntry {
  file: string;
}

export const HOST_LOCK_ENTRY = 'vpn-tcp-lock';

function holderOf(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Takes the workstation's vpn-tcp lock and registers its release. */
export function takeHostLock(journal: ChangeJournal, undo: UndoRegistry, file = LOCK_FILE): void {
  const entry = journal.record<HostLockEntry>(HOST_LOCK_ENTRY, { file });
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  } catch {
    const holder = holderOf(file);
    if (holder && holder !== process.pid && isProcessAlive(holder)) {
      entry.settle();
      throw new UnsupportedError(`another vpn-tcp session (pid ${holder}) is running on this workstation: end it first, or use --method inject-tcp for this one`);
    }
    writeFileSync(file, `${process.pid}\n`); // its holder died without cleaning up
  }
  undo.push('release the vpn-tcp lock', entry.settleAfter(() => {
    if (holderOf(file) === process.pid) rmSync(file, { force: true });
  }));
}

/** Releases a lock that a dead session still holds (never one that a live session took since). */
export const hostLockRepairer: Repairer<HostLockEntry> = {
  kind: HOST_LOCK_ENTRY,
  where: 'host',
  async repair(data, session) {
    if (holderOf(data.file) !== session.pid) return [];
    rmSync(data.file, { force: true });
    return [`released the vpn-tcp lock ${data.file} of an earlier session (pid ${session.pid})`];
  },
};
