// The resolver fallback without systemd-resolved: resolv.conf's nameserver lines are replaced by
// ours for the session (search/options lines stay). The original is saved to a state file first, so
// that undo restores it and a later run repairs it after a SIGKILL (repairResolvConf). Several
// sessions stack (resolver-chain.ts): each has its own state file, and ending hands over or restores.
import { constants } from 'node:fs';
import { lstat, open, readFile, readlink, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClusterError } from '../errors.js';
import { currentBootIdSync, isProcessAlive } from './process.js';
import type { Nameserver } from './resolv-conf.js';
import { effectiveOriginal, isLinkLive, linkAbove, linkThatWrote, readChain, upstreamOf, withFileLock, type ChainLink } from './resolver-chain.js';

/** What was at the resolv.conf path before the session: a file's text, or a symlink's target. */
export type SavedResolvConf = { kind: 'file'; content: string } | { kind: 'symlink'; target: string; content: string };

export interface ResolvConfBackup {
  version: 1;
  path: string;
  original: SavedResolvConf;
  /** The text the session wrote: undo only restores while this is still what the file holds. */
  written: string;
  pid: number;
  bootId: string;
  changedAt: string;
}

export interface ResolvConfPaths {
  /** Default /etc/resolv.conf. */
  resolvConf: string;
  /**
   * Default /var/lib/telepresence/resolver-backup.json (not /run: a regular file outlives a reboot);
   * one per host slot (resolver-backup.N.json), all in one directory, which also holds resolver.lock.
   */
  state: string;
}

/** The lock that serialises changes of the chain of backups beside `state`. */
export function chainLockFile(state: string): string {
  return path.join(path.dirname(state), 'resolver.lock');
}

type ChainBackup = ResolvConfBackup & ChainLink;

export const DEFAULT_RESOLV_CONF_PATHS: ResolvConfPaths = {
  resolvConf: '/etc/resolv.conf',
  state: '/var/lib/telepresence/resolver-backup.json',
};

export const MARKER = '# telepresence: the nameservers below replace the original ones for a session';

/** The session's resolv.conf: the original with its nameserver lines replaced by `nameserver <address>`. */
export function overriddenResolvConf(original: string, address: string, statePath: string): string {
  const ours = [MARKER, `# (the original is saved in ${statePath}; \`telepresence\` restores it)`, `nameserver ${address}`];
  const lines = original === '' ? [] : original.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (/^\s*nameserver\s/.test(line)) {
      if (!placed) out.push(...ours);
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (!placed) out.push(...ours);
  return out.join('\n') + '\n';
}


/** Writes durably: a crash right after must not leave an empty state file. */
async function writeDurably(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

async function readState(statePath: string): Promise<ResolvConfBackup | null> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as ResolvConfBackup;
  } catch {
    throw new ClusterError(`the resolver backup ${statePath} is not valid JSON; restore ${DEFAULT_RESOLV_CONF_PATHS.resolvConf} by hand and delete the backup`);
  }
}

async function putBack(file: string, original: SavedResolvConf): Promise<void> {
  if (original.kind === 'file') {
    await writeFile(file, original.content);
    return;
  }
  const tmp = `${file}.telepresence-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(original.target, tmp);
  await rename(tmp, file);
}

/**
 * Ends one link of the chain (call with the chain lock held): on top, puts back what it replaced (a
 * file is rewritten in place: it may be a bind mount; a symlink is re-created), past dead links below;
 * below a live link, hands its original to that one. Returns what it did, or why it left the file alone.
 */
async function restore(backup: ResolvConfBackup, statePath: string): Promise<string> {
  const links = (await readChain(statePath)) as ChainBackup[];
  // The file, not `backup`: the session below may have handed its original over since.
  const self: ChainBackup = links.find((l) => l.state === statePath) ?? { ...backup, state: statePath };
  const original = effectiveOriginal(self, links, isLinkLive);
  const now = await readFile(self.path, 'utf8').catch(() => null);
  if (now === self.written) {
    await putBack(self.path, original);
    const below = linkThatWrote(original.content, links, self.path, self);
    if (below !== undefined) return `restored ${self.path} as telepresence pid ${below.pid}, which still runs, had it`;
    return original.kind === 'symlink' ? `restored ${self.path} as a link to ${original.target}` : `restored the original ${self.path}`;
  }
  const above = linkAbove(self, links);
  if (above !== undefined) {
    const { state, ...data } = above;
    await writeDurably(state, JSON.stringify({ ...data, original }, null, 2) + '\n');
    return `left ${self.path} to telepresence pid ${above.pid}, which replaced it since and now forwards to ${nameserversOf(original.content)}`;
  }
  if (now === original.content) return `found ${self.path} restored already`;
  return `left ${self.path} as it is: it was changed by something else since telepresence (pid ${self.pid}) wrote it`;
}

function nameserversOf(text: string): string {
  return text.split('\n').flatMap((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? []).join(', ') || 'no nameserver';
}

export interface ResolvConfOverride {
  original: SavedResolvConf;
  written: string;
  /** Restores the original (unless something else changed the file meanwhile) and drops the backup. */
  undo(): Promise<string>;
  /**
   * Where names we do not own go now: the nameservers of what we replaced, or of what a session
   * below that ended handed over, past sessions that died (read again at most every second).
   */
  upstream(): Promise<Nameserver[]>;
}

/** Replaces resolv.conf's nameservers with `address`. Repair leftovers first (repairResolvConf). */
export async function overrideResolvConf(address: string, paths: ResolvConfPaths = DEFAULT_RESOLV_CONF_PATHS, upstreamCacheMs = 1000): Promise<ResolvConfOverride> {
  await mkdir(path.dirname(paths.state), { recursive: true });
  const { original, written, backup } = await withFileLock(chainLockFile(paths.state), () => replaceResolvConf(address, paths));
  let undone: Promise<string> | null = null;
  let cached: { at: number; servers: Nameserver[] } | null = null;
  return {
    original,
    written,
    undo: () => {
      undone ??= withFileLock(chainLockFile(paths.state), async () => {
        const said = await restore(backup, paths.state);
        await rm(paths.state, { force: true });
        return said;
      });
      return undone;
    },
    async upstream() {
      if (cached !== null && Date.now() - cached.at < upstreamCacheMs) return cached.servers;
      const links = await readChain(paths.state);
      const self = links.find((l) => l.state === paths.state) ?? { ...backup, state: paths.state };
      cached = { at: Date.now(), servers: upstreamOf(self, links, isLinkLive, address) };
      return cached.servers;
    },
  };
}

async function replaceResolvConf(address: string, paths: ResolvConfPaths): Promise<{ original: SavedResolvConf; written: string; backup: ResolvConfBackup }> {
  const left = await readState(paths.state);
  if (left !== null) {
    throw new ClusterError(
      `the resolver backup ${paths.state} of telepresence pid ${left.pid} is still there` +
        (isProcessAlive(left.pid) ? ': that session is still running; end it first' : '; run the repair step first'),
    );
  }
  const info = await lstat(paths.resolvConf);
  const content = await readFile(paths.resolvConf, 'utf8');
  const original: SavedResolvConf = info.isSymbolicLink()
    ? { kind: 'symlink', target: await readlink(paths.resolvConf), content }
    : { kind: 'file', content };
  const written = overriddenResolvConf(content, address, paths.state);
  const backup: ResolvConfBackup = {
    version: 1, path: paths.resolvConf, original, written, pid: process.pid, bootId: currentBootIdSync(), changedAt: new Date().toISOString(),
  };
  // The backup is on disk before the file changes: a SIGKILL at any point leaves a repairable state.
  await writeDurably(paths.state, JSON.stringify(backup, null, 2) + '\n');
  if (original.kind === 'file') {
    await writeFile(paths.resolvConf, written);
  } else {
    // Writing through the link would change a file that resolvconf/systemd own: replace the link.
    const tmp = `${paths.resolvConf}.telepresence-${process.pid}`;
    await writeFile(tmp, written, { mode: 0o644 });
    await rename(tmp, paths.resolvConf);
  }
  return { original, written, backup };
}

/**
 * Restores resolv.conf from a backup left by a run that ended without cleanup (SIGKILL, crash,
 * reboot). Returns what it repaired (an empty list when there was nothing); a backup of a session
 * that is still running is left alone and said so.
 */
export async function repairResolvConf(paths: ResolvConfPaths = DEFAULT_RESOLV_CONF_PATHS): Promise<string[]> {
  const backup = await readState(paths.state);
  if (backup === null) return [];
  const sameBoot = backup.bootId === currentBootIdSync();
  if (sameBoot && backup.pid !== process.pid && isProcessAlive(backup.pid)) {
    return [`left ${backup.path} alone: telepresence pid ${backup.pid}, which changed it, is still running`];
  }
  return withFileLock(chainLockFile(paths.state), async () => {
    const said = await restore(backup, paths.state);
    await rm(paths.state, { force: true });
    return [`${said} (telepresence pid ${backup.pid} changed it at ${backup.changedAt} and did not clean up)`];
  });
}
