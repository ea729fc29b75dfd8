// Host key pinning: the proxy pod's public host key (read through the API server, src/kube/host-key.ts)
// is the only key the session's SSH client accepts; fingerprints are OpenSSH's `SHA256:<base64>`.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { ClusterError } from '../errors.js';

/** The key one pod's sshd must show: its SSH wire blob, its fingerprint and the pod it was read from. */
export interface PinnedHostKey {
  readonly pod: string;
  readonly blob: Buffer;
  readonly fingerprint: string;
}

/** OpenSSH's fingerprint of a key blob (`ssh-keygen -l`): SHA256 in base64 without padding. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Pins `line` (one OpenSSH public key line, as the pod's .pub file holds it) as pod's host key. */
export function pinHostKey(line: string, pod: string): PinnedHostKey {
  const text = line.trim();
  const parsed = text.includes('\n') ? new Error('more than one line') : ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    const shown = text.slice(0, 60).replace(/\n/g, '\\n');
    throw new ClusterError(`the SSH host key the proxy pod ${pod} published is not an OpenSSH public key line (${parsed.message}): "${shown}"; the pod's image may be broken: delete the pod, or rebuild the image with proxy-pod/build.sh`);
  }
  const blob = parsed.getPublicSSH();
  return { pod, blob, fingerprint: hostKeyFingerprint(blob) };
}

/** What the server showed: null until ssh2 asked, then whether it was the pinned key. */
export interface HostKeyCheck {
  /** ssh2's hostVerifier: true only for the pinned key. */
  verify(key: Buffer): boolean;
  /** The fingerprint of a refused key, else null. */
  refused(): string | null;
}

export function hostKeyCheck(pinned: PinnedHostKey): HostKeyCheck {
  let refused: string | null = null;
  return {
    verify(key) {
      if (Buffer.isBuffer(key) && key.equals(pinned.blob)) return true;
      refused = Buffer.isBuffer(key) ? hostKeyFingerprint(key) : `an unreadable key (${typeof key})`;
      return false;
    },
    refused: () => refused,
  };
}
