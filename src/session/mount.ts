// Step 5a: the pod's root on the workstation ($TELEPRESENCE_ROOT): a fresh private directory, the
// --mount path, or none. Missing pieces (sshfs, /dev/fuse, FUSE refused) are one warning and the session
// goes on. Journaled before mounting; unmounted (lazily when busy, and said so) on every exit path;
// mounted again after each reconnect of the tunnel.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangeJournal, UndoStep } from '../changes.js';
import { mountFsname, mountPathProblem, mountRequest, missingPieceWarning, type MountPathState } from '../engine/mount.js';
import { UsageError } from '../errors.js';
import { MOUNT_ENTRY, removeCreated, type MountEntry, type MountOptions, type PodMount } from '../inbound/mount.js';
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
  const mountOptions: MountOptions = { mountPoint, fsname, allowOther: owner !== null, timeoutMs: s.config.timeouts.sshConnectMs };
  let result;
  try {
    result = await s.deps.volumes.mount(connection.tunnel, mountOptions);
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
  keepMounted(s, connection, result, mountOptions, created, (undo) => entry.settleAfter(undo));
  s.progress(`Volumes are rooted at $TELEPRESENCE_ROOT (${mountPoint}).`);
  s.signals.check();
  return mountPoint;
}

/**
 * After each reconnect the old sshfs has lost its sftp channel (as root it detaches itself, else the mount
 * answers ENOTCONN): it is unmounted (lazily when busy: files open in it fail) and sshfs mounted again at the
 * same path over an sftp channel of the new connection, whichever pod that reaches. The journal entry stays
 * as it is (same path, same fsname): a SIGKILL at any point leaves what its repairer finds.
 */
function keepMounted(s: Session, connection: PodConnection, first: PodMount, o: MountOptions, created: readonly string[],
  settleAfter: (undo: UndoStep) => UndoStep): void {
  const { mountPoint } = o;
  let current: PodMount | null = first;
  let remounting: Promise<void> = Promise.resolve();
  const remount = async () => {
    if (current) {
      const outcome = await current.unmount().catch((err: Error) => err);
      if (outcome instanceof Error) {
        s.warn(`Warning: after the reconnect, the pod's volumes at ${mountPoint} could not be unmounted to mount them again: ${outcome.message}`);
        return;
      }
      s.log(`after the reconnect: the old mount of the pod's volumes at ${mountPoint} ${outcome === 'lazily' ? 'was busy: detached lazily (files open in it fail)' : outcome === 'unmounted' ? 'was unmounted' : 'was gone already'}`);
      current = null;
    }
    const again = await s.deps.volumes.mount(connection.tunnel, o).catch((err: Error) => ({ kind: 'failed' as const, reason: err.message }));
    if ('kind' in again) {
      const reason = again.kind === 'missing' ? missingPieceWarning(again.piece) : again.reason;
      s.warn(`Warning: after the reconnect, the pod's volumes could not be mounted again at ${mountPoint} ($TELEPRESENCE_ROOT is empty): ${reason}`);
      return;
    }
    current = again;
    s.log(`after the reconnect: the pod's volumes are mounted again at ${mountPoint}`);
  };
  const removeListener = connection.onReconnected(() => {
    remounting = remounting.then(remount);
    return remounting;
  });
  s.undo.push(`unmount the pod's volumes at ${mountPoint}`, settleAfter(async () => {
    removeListener();
    await remounting;
    const outcome = current ? await current.unmount() : 'not-mounted';
    if (outcome === 'lazily') {
      s.warn(`Warning: the pod's volumes at ${mountPoint} were busy (a process still uses them): detached lazily; the mount goes once the last process using it lets go`);
    } else {
      removeCreated(created);
    }
  }));
}
