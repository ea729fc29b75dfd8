// Step 5a: the pod's root on the workstation ($TELEPRESENCE_ROOT): a fresh private directory, the
// --mount path, or none. Missing pieces (sshfs, /dev/fuse, FUSE refused) are one warning and the session
// goes on. Journaled before mounting; unmounted (lazily when busy, and said so) on every exit path.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangeJournal } from '../changes.js';
import { mountFsname, mountPathProblem, mountRequest, missingPieceWarning, type MountPathState } from '../engine/mount.js';
import { UsageError } from '../errors.js';
import { MOUNT_ENTRY, removeCreated, type MountEntry } from '../inbound/mount.js';
import type { PodConnection, Session } from './session.js';

export function mountPathState(dir: string): MountPathState {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return 'missing';
  }
  if (!isDir) return 'not-a-directory';
  return readdirSync(dir).length === 0 ? 'empty-directory' : 'non-empty-directory';
}

/** Step 1's check of --mount PATH: nothing is created before the whole request is known to be good. */
export function checkMountPath(mount: string | boolean): void {
  if (typeof mount !== 'string') return;
  const problem = mountPathProblem(mount, mountPathState(mount));
  if (problem) throw new UsageError(problem, { value: mount });
}

/** Under sudo the invoking user owns what the session makes for them. */
function invokingUser(env: NodeJS.ProcessEnv): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0 || !env.SUDO_UID) return null;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID ?? env.SUDO_UID);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}

/** The missing directories of `dir`, outermost first, made (0700) and returned. */
function makeDirs(dir: string, owner: { uid: number; gid: number } | null): string[] {
  const made: string[] = [];
  for (let d = dir; mountPathState(d) === 'missing'; d = path.dirname(d)) made.unshift(d);
  for (const d of made) {
    mkdirSync(d, { mode: 0o700 });
    if (owner) chownSync(d, owner.uid, owner.gid);
  }
  return made;
}

/** The mount point and the directories made for it: `/tmp/tel-XXXX/fs` (its parent 0700) or the --mount path. */
function prepareMountPoint(mount: string | true, owner: { uid: number; gid: number } | null): string[] {
  if (mount === true) {
    const base = mkdtempSync(path.join(os.tmpdir(), 'tel-'));
    if (owner) chownSync(base, owner.uid, owner.gid);
    return [base, ...makeDirs(path.join(base, 'fs'), owner)];
  }
  return makeDirs(mount, owner);
}

/** Returns $TELEPRESENCE_ROOT: the mount point, or '' when nothing is mounted. */
export async function mountVolumes(s: Session, connection: PodConnection, sessionId: string, journal: ChangeJournal): Promise<string> {
  const request = mountRequest(s.options.mount);
  if (request.kind === 'none') return '';
  const owner = invokingUser(s.env);
  const missing = s.deps.volumes.missing(s.env, process.getuid?.() === 0);
  if (missing) {
    s.warn(missingPieceWarning(missing));
    return '';
  }
  const created = prepareMountPoint(request.kind === 'path' ? request.path : true, owner);
  const mountPoint = request.kind === 'path' ? request.path : created[created.length - 1];
  const fsname = mountFsname(sessionId);
  const entry = journal.record<MountEntry>(MOUNT_ENTRY, { mountPoint, fsname, created });
  const undoDirs = () => {
    removeCreated(created);
    entry.settle();
  };
  let result;
  try {
    result = await s.deps.volumes.mount(connection.tunnel, { mountPoint, fsname, allowOther: owner !== null, timeoutMs: s.config.timeouts.sshConnectMs });
  } catch (err) {
    undoDirs(); // mountPodRoot leaves no mount behind when it throws
    throw err;
  }
  if ('kind' in result) {
    undoDirs();
    s.warn(result.kind === 'missing' ? missingPieceWarning(result.piece)
      : `Warning: the pod's volumes are not mounted ($TELEPRESENCE_ROOT is empty): ${result.reason}; --mount false silences this`);
    return '';
  }
  s.undo.push(`unmount the pod's volumes at ${mountPoint}`, entry.settleAfter(async () => {
    const outcome = await result.unmount();
    if (outcome === 'lazily') {
      s.warn(`Warning: the pod's volumes at ${mountPoint} were busy (a process still uses them): detached lazily; the mount goes once the last process using it lets go`);
    } else {
      removeCreated(created);
    }
  }));
  s.progress(`Volumes are rooted at $TELEPRESENCE_ROOT (${mountPoint}).`);
  s.signals.check();
  return mountPoint;
}
