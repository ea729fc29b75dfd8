// The pod's volumes on the workstation, the pure part: where the mount goes (--mount), the sshfs
// options (who may read it), and the texts of the missing pieces. src/inbound/mount.ts runs sshfs.

/** What --mount asks for, resolved: no mount, a fresh private directory, or a path of the user's. */
export type MountRequest = { kind: 'none' } | { kind: 'private' } | { kind: 'path'; path: string };

export function mountRequest(mount: string | boolean): MountRequest {
  if (mount === false) return { kind: 'none' };
  if (mount === true) return { kind: 'private' };
  return { kind: 'path', path: mount };
}

/** What is at the --mount path before the session starts (read by the caller). */
export type MountPathState = 'missing' | 'empty-directory' | 'non-empty-directory' | 'not-a-directory';

/** Why a --mount path cannot be used, or null: missing is fine (it is created), an empty directory too. */
export function mountPathProblem(path: string, state: MountPathState): string | null {
  if (state === 'non-empty-directory') return `--mount ${path}: the directory is not empty: name an empty or a new directory`;
  if (state === 'not-a-directory') return `--mount ${path}: not a directory: name an empty or a new directory`;
  return null;
}

export interface SshfsArgsOptions {
  mountPoint: string;
  /** Names the mount in mountinfo (findmnt's SOURCE), so a later run finds the session's own. */
  fsname: string;
  /**
   * Root under sudo: the user process is root, and the invoking user must read it too, which FUSE
   * allows only with allow_other; the private directory's 0700 parent keeps everyone else out.
   */
  allowOther: boolean;
}

/**
 * sshfs in passive mode speaks sftp on its stdin/stdout (our channel); in the foreground, so that its
 * exit is seen. No default_permissions: the pod's sshd (as the pod's user) decides what may be read,
 * so modes and owners show as the pod has them and the invoking user reads what the pod's user can.
 * transform_symlinks: an absolute link in the pod (/var/run -> /run) points into the mount, not at this
 * workstation's file; no_contain_symlinks: Debian's sshfs otherwise refuses (EPERM) every link with a `..`,
 * the transformed ones included.
 */
export function sshfsArgs(o: SshfsArgsOptions): string[] {
  const opts = ['passive', `fsname=${o.fsname}`, 'subtype=sshfs', 'transform_symlinks', 'no_contain_symlinks', ...(o.allowOther ? ['allow_other'] : [])];
  return ['-f', '-o', opts.join(','), 'pod:/', o.mountPoint];
}

/**
 * The mount's readahead, KiB. Every read of sshfs is an sftp request answered across the tunnel, so a
 * sequential read moves at most the readahead per round trip: the kernel's default of 128 KiB read a
 * 50 MB file at 71-76 MB/s through the local test cluster, 1 MiB at 103, 4 MiB at 108 (`kubectl cp`: 81).
 * Only sequential reads grow the window to it; a random read starts small, as on any disk.
 */
export const MOUNT_READAHEAD_KB = 4096;

/** The fsname of a session's mount: `telepresence-SESSIONID`. */
export function mountFsname(sessionId: string): string {
  return `telepresence-${sessionId}`;
}

export type MissingPiece =
  | { kind: 'sshfs' }
  | { kind: 'fusermount' }
  | { kind: 'dev-fuse' }
  | { kind: 'fuse-refused'; detail: string };

const SILENCE = '--mount false silences this';
const CONTAINER_FUSE = 'in a container, run it with --device /dev/fuse --cap-add SYS_ADMIN';

/** The one warning line of a session that goes on without the pod's volumes. */
export function missingPieceWarning(piece: MissingPiece): string {
  const head = "Warning: the pod's volumes are not mounted ($TELEPRESENCE_ROOT is empty):";
  switch (piece.kind) {
    case 'sshfs': return `${head} sshfs is not on PATH; install the Debian package sshfs (apt-get install sshfs); ${SILENCE}`;
    case 'fusermount': return `${head} fusermount3 is not on PATH; install the Debian package fuse3 (apt-get install fuse3); ${SILENCE}`;
    case 'dev-fuse': return `${head} /dev/fuse does not exist; load the kernel module (modprobe fuse), or ${CONTAINER_FUSE}; ${SILENCE}`;
    case 'fuse-refused': return `${head} FUSE refused the mount (${piece.detail}); ${CONTAINER_FUSE}; ${SILENCE}`;
  }
}

/** Lines of sshfs's stderr that say FUSE itself is unavailable, not that the pod refused. */
export function fuseRefusal(stderr: string): string | null {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /fuse|\/dev\/fuse|operation not permitted|permission denied/i.test(l)) ?? null;
}
