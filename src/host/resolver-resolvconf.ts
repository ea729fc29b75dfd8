// The resolver fallback without systemd-resolved: resolv.conf's nameserver lines are replaced by
// ours for the session (search/options lines stay). The original is saved to a state file first, so
// that undo restores it and a later run repairs it after a SIGKILL (repairResolvConf).
import { constants } from 'node:fs';
import { lstat, open, readFile, readlink, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClusterError } from '../errors.js';
import { currentBootIdSync, isProcessAlive } from './process.js';

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
  /** Default /var/lib/telepresence/resolver-backup.json (not /run: a regular file outlives a reboot). */
  state: string;
}

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

/**
 * Puts the saved content back: a file is rewritten in place (it may be a bind mount, as in a
 * container), a symlink is re-created. Returns what it did, or why it left the file alone.
 */
async function restore(backup: ResolvConfBackup): Promise<string> {
  const now = await readFile(backup.path, 'utf8').catch(() => null);
  if (now !== backup.written) {
    return `left ${backup.path} as it is: it was changed by something else since telepresence (pid ${backup.pid}) wrote it`;
  }
  if (backup.original.kind === 'file') {
    await writeFile(backup.path, backup.original.content);
    return `restored the original ${backup.path}`;
  }
  const tmp = `${backup.path}.telepresence-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(backup.original.target, tmp);
  await rename(tmp, backup.path);
  return `restored ${backup.path} as a link to ${backup.original.target}`;
}

export interface ResolvConfOverride {
  original: SavedResolvConf;
  written: string;
  /** Restores the original (unless something else changed the file meanwhile) and drops the backup. */
  undo(): Promise<string>;
}

/** Replaces resolv.conf's nameservers with `address`. Repair leftovers first (repairResolvConf). */
export async function overrideResolvConf(address: string, paths: ResolvConfPaths = DEFAULT_RESOLV_CONF_PATHS): Promise<ResolvConfOverride> {
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
  let undone: Promise<string> | null = null;
  return {
    original,
    written,
    undo: () => {
      undone ??= restore(backup).then(async (said) => {
        await rm(paths.state, { force: true });
        return said;
      });
      return undone;
    },
  };
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
  const said = await restore(backup);
  await rm(paths.state, { force: true });
  return [`${said} (telepresence pid ${backup.pid} changed it at ${backup.changedAt} and did not clean up)`];
}
