// The host slots of vpn-tcp and teleproxy sessions: several run at once on one workstation, each in a
// slot of its own that gives it addresses no other live session uses (the TUN's subnet, the DNS
// server's address, the resolver backup). Journalled, so that a later run frees the slot of a session
// that was killed. Slot 0 keeps the single-session names (/run/telepresence/vpn-tcp.pid, 198.18.0.1/16,
// 127.0.0.153), so journals and tests of earlier releases still match.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeJournal, Repairer, UndoRegistry } from '../src/changes.js';
import { UnsupportedError } from '../src/errors.js';
import { currentBootIdSync, isProcessAlive } from '../src/host/process.js';

export const LOCK_DIR = '/run/telepresence';
export const LOCK_FILE = `${LOCK_DIR}/vpn-tcp.pid`;
/** 198.18.0.0/16 for slot 0, then sixteen /20s of 198.19.0.0/16 (RFC 2544's benchmarking range). */
export const MAX_SLOTS = 17;

export interface HostLockEntry {
  file: string;
}

export const HOST_LOCK_ENTRY = 'vpn-tcp-lock';

/** What a slot gives its session. */
export interface SlotResources {
  index: number;
  /** The lock file: its holder's pid and what the session tells the others (SlotHolder). */
  file: string;
  /** The TUN's address and subnet (its own address, the fake sources of redirected connections). */
  vifAddress: string;
  /** Where the session's DNS server listens (port 53: resolv.conf can name no other). */
  dnsAddress: string;
  /** The resolv.conf backup of this slot's session (src/host/resolver-resolvconf.ts). */
  resolverState: string;
}

/** The resources of slot `index` (pure: the unit tests check that no two slots share one). */
export function slotResources(index: number, dir = LOCK_DIR, stateDir = '/var/lib/telepresence'): SlotResources {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SLOTS) throw new RangeError(`slot ${index} is not in 0..${MAX_SLOTS - 1}`);
  return {
    index,
    file: index === 0 ? path.join(dir, 'vpn-tcp.pid') : path.join(dir, `vpn-tcp.${index}.pid`),
    vifAddress: index === 0 ? '198.18.0.1/16' : `198.19.${(index - 1) * 16}.1/20`,
    dnsAddress: `127.0.0.${153 + index}`,
    resolverState: path.join(stateDir, index === 0 ? 'resolver-backup.json' : `resolver-backup.${index}.json`),
  };
}

/**
 * The user process's own resolver of slot `index` (src/host/process-resolver.ts): the second address
 * its session's DNS listens on, asked only by that process (so it answers every name of its own cluster
 * there, never passing one down the chain), and the resolv.conf file bind-mounted for the process, beside
 * the lock file (a later holder of the slot rewrites it; repair removes it with a dead holder's lock).
 */
export function processResolverOf(index: number, dir = LOCK_DIR): { dnsAddress: string; resolvConf: string } {
  const { file } = slotResources(index, dir);
  return { dnsAddress: `127.0.0.${186 + index}`, resolvConf: processResolvConfOfLock(file) };
}

/** The process resolv.conf beside a slot's lock file (vpn-tcp.pid -> vpn-tcp.resolv.conf). */
export function processResolvConfOfLock(lockFile: string): string {
  return lockFile.replace(/\.pid$/, '.resolv.conf');
}

/** What a slot's lock file says of its session, for the other sessions (conflict lines, DNS chain, virtual subnet). */
export interface SlotHolder {
  pid: number;
  bootId?: string;
  slot?: number;
  context?: string;
  namespace?: string;
  /** Known once the TUN is open. */
  tun?: string;
  /** The CIDRs routed to its TUN. */
  routes?: string[];
  dnsAddress?: string;
}

/** The lock file's holder: JSON of this release, a bare pid of earlier ones; null when unreadable. */
export function readHolder(file: string): SlotHolder | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const holder = JSON.parse(text) as SlotHolder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : null;
  } catch {
    return null;
  }
}

function holderOf(file: string): number {
  return readHolder(file)?.pid ?? 0;
}

function isLive(holder: SlotHolder): boolean {
  return (holder.bootId === undefined || holder.bootId === currentBootIdSync()) && isProcessAlive(holder.pid);
}

/** The other live vpn-tcp/teleproxy sessions of this workstation, by their lock files. */
export function otherLiveSessions(dir = LOCK_DIR, self = process.pid): SlotHolder[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^vpn-tcp(\.\d+)?\.pid$/.test(n)).sort();
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const h = readHolder(path.join(dir, n));
    return h !== null && h.pid !== self && isLive(h) ? [h] : [];
  });
}

/** A slot this session holds: its resources, and tell() to add what the others should know. */
export interface HostSlot extends SlotResources {
  tell(facts: Omit<SlotHolder, 'pid' | 'bootId' | 'slot'>): void;
}

/**
 * Takes the lowest free slot (one without a live holder) and registers its release. A slot whose
 * holder died is taken over, as the single lock was. All taken: an UnsupportedError naming the holders.
 */
export function takeHostSlot(
  journal: ChangeJournal, undo: UndoRegistry, facts: Omit<SlotHolder, 'pid' | 'bootId' | 'slot'> = {}, dir = LOCK_DIR,
  stateDir?: string,
): HostSlot {
  mkdirSync(dir, { recursive: true });
  for (let index = 0; index < MAX_SLOTS; index++) {
    const res = slotResources(index, dir, stateDir);
    let holder: SlotHolder = { pid: process.pid, bootId: currentBootIdSync(), slot: index, ...facts };
    const write = (flag?: string) => writeFileSync(res.file, `${JSON.stringify(holder)}\n`, flag === undefined ? {} : { flag });
    const entry = journal.record<HostLockEntry>(HOST_LOCK_ENTRY, { file: res.file });
    try {
      write('wx');
    } catch {
      const now = readHolder(res.file);
      if (now !== null && now.pid !== process.pid && isLive(now)) {
        entry.settle();
        continue;
      }
      write(); // its holder died without cleaning up
    }
    undo.push(`release the vpn-tcp lock ${res.file}`, entry.settleAfter(() => {
      if (holderOf(res.file) === process.pid) rmSync(res.file, { force: true });
    }));
    return {
      ...res,
      tell(more) {
        holder = { ...holder, ...more };
        if (holderOf(res.file) === process.pid) write();
      },
    };
  }
  const pids = otherLiveSessions(dir).map((h) => h.pid).join(', ');
  throw new UnsupportedError(`${MAX_SLOTS} vpn-tcp or teleproxy sessions (pids ${pids}) are running on this workstation: end one first, or use --method inject-tcp for this one`);
}

/** Releases a lock that a dead session still holds (never one that a live session took since); any slot, any release. */
export const hostLockRepairer: Repairer<HostLockEntry> = {
  kind: HOST_LOCK_ENTRY,
  where: 'host',
  async repair(data, session) {
    if (holderOf(data.file) !== session.pid) return [];
    const resolvConf = processResolvConfOfLock(data.file);
    const lines = existsSync(resolvConf) ? [`removed the user process's resolv.conf ${resolvConf} of an earlier session (pid ${session.pid})`] : [];
    rmSync(resolvConf, { force: true });
    rmSync(data.file, { force: true });
    return [...lines, `released the vpn-tcp lock ${data.file} of an earlier session (pid ${session.pid})`];
  },
};
