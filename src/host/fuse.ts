// FUSE on this workstation: whether sshfs can mount here (sshfs, fusermount3, /dev/fuse), which FUSE
// mounts exist (/proc/self/mountinfo), and unmounting one — at once, or lazily when it is busy.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MissingPiece } from '../engine/mount.js';
import { runHostCommand } from './command.js';

export interface FuseMount {
  /** The mount's device, `major:minor` (mountinfo field 3): its /sys/class/bdi entry. */
  device: string;
  mountPoint: string;
  fstype: string;
  source: string;
}

/** The kernel escapes space, tab, newline and backslash in mountinfo as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The fuse.* mounts of a mountinfo text (device: field 3, mount point: field 5; fstype and source after the ` - `). */
export function parseFuseMounts(mountinfo: string): FuseMount[] {
  const out: FuseMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [head, tail] = line.split(' - ');
    if (!tail) continue;
    const fields = head.split(' ');
    const [fstype, source] = tail.split(' ');
    if (fields.length < 5 || !fstype?.startsWith('fuse')) continue;
    out.push({ device: fields[2], mountPoint: unescapeOctal(fields[4]), fstype, source: unescapeOctal(source ?? '') });
  }
  return out;
}

export function fuseMounts(): FuseMount[] {
  try {
    return parseFuseMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

export function fuseMountAt(mountPoint: string): FuseMount | undefined {
  return fuseMounts().find((m) => m.mountPoint === mountPoint);
}

/**
 * Sets the kernel's readahead for a mount's device (/sys/class/bdi/MAJOR:MINOR/read_ahead_kb); true when
 * it took. Root only: anyone else is refused by sysfs, and the mount keeps the kernel's default.
 */
export function setReadahead(device: string, kb: number, bdi = '/sys/class/bdi'): boolean {
  if (!/^\d+:\d+$/.test(device)) return false;
  try {
    writeFileSync(path.join(bdi, device, 'read_ahead_kb'), `${kb}\n`);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string, searchPath: string): boolean {
  return searchPath.split(':').some((dir) => dir !== '' && existsSync(path.join(dir, command)));
}

/** The first piece sshfs needs that this workstation lacks, or null. Root mounts without fusermount3. */
export function missingFusePiece(env: NodeJS.ProcessEnv, isRoot: boolean, devFuse = '/dev/fuse'): MissingPiece | null {
  const searchPath = env.PATH ?? '';
  if (!onPath('sshfs', searchPath)) return { kind: 'sshfs' };
  if (!isRoot && !onPath('fusermount3', searchPath) && !onPath('fusermount', searchPath)) return { kind: 'fusermount' };
  if (!existsSync(devFuse)) return { kind: 'dev-fuse' };
  return null;
}

export type UnmountOutcome = 'unmounted' | 'lazily' | 'not-mounted';

/** fusermount3 of fuse3, or fusermount of the older package. */
function fusermount(env: NodeJS.ProcessEnv): string {
  return onPath('fusermount3', env.PATH ?? '') ? 'fusermount3' : 'fusermount';
}

/**
 * `fusermount3 -u`; when the mount is busy (a process has a file open or its cwd in it), `-u -z`:
 * it is detached now and goes once the last user lets go. A failure is an Error with fusermount's text.
 */
export async function unmountFuse(mountPoint: string, env: NodeJS.ProcessEnv = process.env): Promise<UnmountOutcome> {
  if (!fuseMountAt(mountPoint)) return 'not-mounted';
  const cmd = fusermount(env);
  const first = await runHostCommand(cmd, ['-u', mountPoint], { timeoutMs: 10_000 });
  if (first.exitCode === 0 || !fuseMountAt(mountPoint)) return 'unmounted';
  const lazy = await runHostCommand(cmd, ['-u', '-z', mountPoint], { timeoutMs: 10_000 });
  if (lazy.exitCode === 0 || !fuseMountAt(mountPoint)) return 'lazily';
  throw new Error(`${cmd} -u -z ${mountPoint} failed: ${lazy.stderr.trim() || first.stderr.trim() || `exit ${lazy.exitCode}`}`);
}
