// The pod's root on the workstation: sshfs in passive mode, its stdin/stdout piped to an `sftp`
// subsystem channel of the session's SSH connection (no second login; the key never leaves memory).
// Ready once the kernel lists the mount; unmount() detaches it, lazily when busy, and waits for sshfs to
// end (also one whose connection was lost). The journal entry and its repairer unmount what a dead session left.
import { rmdirSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Repairer } from '../changes.js';
import { pollUntil } from '../deadline.js';
import { fuseRefusal, MOUNT_READAHEAD_KB, sshfsArgs, type MissingPiece, type SshfsArgsOptions } from '../engine/mount.js';
import { startHostCommand, type RunningCommand } from '../host/command.js';
import { fuseMountAt, setReadahead, unmountFuse, type UnmountOutcome } from '../host/fuse.js';

export interface SftpOpener {
  openSubsystem(name: string): Promise<Duplex>;
}

export interface PodMount {
  readonly mountPoint: string;
  /** Unmounts (lazily when busy) and waits for sshfs to end; also a mount whose connection was lost (before a remount). */
  unmount(): Promise<UnmountOutcome>;
}

/** The mount could not be made: FUSE refused it (a missing piece), or sshfs failed for another reason. */
export type MountFailure = { kind: 'missing'; piece: MissingPiece } | { kind: 'failed'; reason: string };

export interface MountOptions extends SshfsArgsOptions {
  /** How long sshfs may take to mount, ms. */
  timeoutMs?: number;
  sshfs?: string;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-2).join('; ');
}

export async function mountPodRoot(tunnel: SftpOpener, o: MountOptions): Promise<PodMount | MountFailure> {
  const channel = await tunnel.openSubsystem('sftp');
  let sshfs: RunningCommand;
  try {
    sshfs = await startHostCommand(o.sshfs ?? 'sshfs', sshfsArgs(o), { pipeStdin: true });
  } catch (err) {
    channel.destroy();
    return { kind: 'failed', reason: (err as Error).message };
  }
  let stderr = '';
  sshfs.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  // Either side may go first (a lost connection, sshfs unmounted): the other's error is expected.
  channel.on('error', () => undefined);
  sshfs.stdin!.on('error', () => undefined);
  channel.pipe(sshfs.stdin!);
  sshfs.stdout.pipe(channel);
  let exited = false;
  const done = sshfs.exited.then(() => { exited = true; channel.destroy(); });
  const mounted = await pollUntil(() => (exited ? false : fuseMountAt(o.mountPoint) ?? undefined),
    { deadline: Date.now() + (o.timeoutMs ?? 15_000), intervalMs: 20 });
  if (!mounted) {
    if (!exited) sshfs.kill('SIGKILL');
    await done;
    await unmountFuse(o.mountPoint).catch(() => undefined);
    const refused = fuseRefusal(stderr);
    if (refused) return { kind: 'missing', piece: { kind: 'fuse-refused', detail: refused } };
    return { kind: 'failed', reason: exited ? `sshfs exited: ${lastLines(stderr) || 'no message'}` : 'sshfs did not mount within the time limit' };
  }
  setReadahead(mounted.device, MOUNT_READAHEAD_KB);
  return {
    mountPoint: o.mountPoint,
    async unmount() {
      const outcome = await unmountFuse(o.mountPoint);
      const gone = (ms: number) => pollUntil(() => (exited ? true : undefined), { deadline: Date.now() + ms, intervalMs: 20 });
      // Unmounted, sshfs ends by itself; a lazy unmount may leave it serving the busy files.
      if (outcome === 'lazily' || !await gone(3000)) {
        sshfs.kill('SIGTERM');
        // Waited for: a sshfs that ends later unmounts by path (as root), which after a remount is the new mount.
        if (!await gone(2000)) {
          sshfs.kill('SIGKILL');
          await done;
        }
      }
      return outcome;
    },
  };
}

/** The journal entry of a mount: written before sshfs starts, so that a SIGKILLed session's mount is found. */
export interface MountEntry {
  mountPoint: string;
  /** The mount's source in mountinfo: only a mount of that session is touched. */
  fsname: string;
  /** Directories the session made for it, innermost last; removed once unmounted (when empty). */
  created: string[];
}

export const MOUNT_ENTRY = 'sshfs-mount';

export function removeCreated(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (the user put files there), or already gone: left as it is.
    }
  }
}

/** Unmounts the pod's volumes a dead session left (its sshfs is gone: the mount answers nothing). */
export const mountRepairer: Repairer<MountEntry> = {
  kind: MOUNT_ENTRY,
  where: 'host',
  async repair(data, session) {
    const mount = fuseMountAt(data.mountPoint);
    const lines: string[] = [];
    if (mount && mount.source === data.fsname) {
      const outcome = await unmountFuse(data.mountPoint);
      const how = outcome === 'lazily' ? ' lazily (it was busy: it goes once the last process using it lets go)' : '';
      lines.push(`unmounted the pod's volumes at ${data.mountPoint}${how} (sshfs of an earlier session, pid ${session.pid})`);
    }
    if (!fuseMountAt(data.mountPoint)) removeCreated(data.created);
    return lines;
  },
};
