// A session's key in the sshd of a pod that already runs (an existing proxy Deployment): one line added
// to the login user's authorized_keys (ADD_KEY_SCRIPT, run within take-pod-script.ts's one exec), and
// exactly that line removed at the end through the exec API.
// sshd reads the file at each login, so nothing restarts. Both scripts hold a lock on the file (other
// sessions may share the pod) and the removal replaces the file in one rename.
import { ClusterError } from '../errors.js';
import { PROXY_SSH_USER } from '../protocol/index.js';
import { execInPod, type PodRef } from './pod-exec.js';
import type { ClusterTarget } from './target.js';

/** sshd's AuthorizedKeysFile (.ssh/authorized_keys) in the homes of the two users that may log in. */
export const KEY_DIRS = { root: '/root/.ssh', proxy: `/home/${PROXY_SSH_USER}/.ssh` } as const;

const LOCK = 'exec 9>>"$d/authorized_keys.lock"; if command -v flock >/dev/null; then flock -w 10 9; fi';

/** $1: the key line. Adds it for the user the container runs as (root: root's file), once. */
export const ADD_KEY_SCRIPT = [
  'set -eu', 'umask 077',
  `if [ "$(id -u)" -eq 0 ]; then d=${KEY_DIRS.root}; else d=${KEY_DIRS.proxy}; fi`,
  'mkdir -p "$d"', LOCK, 'f="$d/authorized_keys"',
  'grep -qxF -- "$1" "$f" 2>/dev/null || printf \'%s\\n\' "$1" >> "$f"',
].join('\n');

/** $1: the key line. Removes exactly that line from each file this user may change; prints `removed FILE`. */
export const REMOVE_KEY_SCRIPT = [
  'set -eu', 'umask 077',
  `for d in ${KEY_DIRS.root} ${KEY_DIRS.proxy}; do`,
  '  f="$d/authorized_keys"',
  '  { [ -r "$f" ] && [ -w "$d" ]; } || continue',
  `  ${LOCK}`,
  '  if grep -qxF -- "$1" "$f"; then',
  '    { grep -vxF -- "$1" "$f" || [ $? -eq 1 ]; } > "$f.telepresence-new"',
  '    mv -f "$f.telepresence-new" "$f"',
  '    echo "removed $f"',
  '  fi',
  '  exec 9>&-',
  'done',
].join('\n');

const KEY_LINE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*$/;

/** The line the pod gets: the session's public key with `telepresence-<session id>` as its comment. */
export function sessionKeyLine(publicKey: string, sessionId: string): string {
  const [type = '', data = ''] = publicKey.trim().split(/\s+/);
  const key = `${type} ${data}`;
  if (publicKey.includes('\n') || !KEY_LINE.test(key)) throw new ClusterError(`the session's public key is not one OpenSSH key line: ${publicKey.slice(0, 40)}`);
  return `${key} telepresence-${sessionId}`;
}

function scriptArgv(script: string, keyLine: string): string[] {
  return ['sh', '-c', script, 'telepresence-key', keyLine];
}

/** The one line for a script or command of the pod that failed: what it was for, the pod, the exit code and stderr. */
export function failed(what: string, ref: PodRef, r: { exitCode: number | null; failure?: string; stderr: string }): ClusterError {
  const why = r.failure ?? `exit code ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').join(' | ')}` : ''}`;
  return new ClusterError(`cannot ${what} in pod ${ref.pod} (container ${ref.container}) in namespace ${ref.namespace}: ${why}`);
}

/** The files the line was removed from ([]: it was in none). */
export async function removeAuthorizedKey(target: Pick<ClusterTarget, 'kubeConfig'>, ref: PodRef, keyLine: string): Promise<string[]> {
  const r = await execInPod(target, ref, scriptArgv(REMOVE_KEY_SCRIPT, keyLine));
  if (r.exitCode !== 0) throw failed("remove the session's key", ref, r);
  return r.stdout.split('\n').filter((l) => l.startsWith('removed ')).map((l) => l.slice('removed '.length));
}
