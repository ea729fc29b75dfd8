// The proxy pod's public SSH host key, read through the exec API (`cat` of the file sshd's key pair was
// made with): the API server and the kubeconfig's credentials vouch for which pod answered, so the key
// the session's SSH client then pins is that very pod's, whatever the port-forward reaches.
import { ClusterError } from '../errors.js';
import { POD_HOST_KEY_FILE } from '../protocol/index.js';
import { execInPod, type PodExecResult, type PodRef } from './pod-exec.js';
import type { ClusterTarget } from './target.js';

/** The key line of POD_HOST_KEY_FILE in the pod's proxy container (not yet parsed: src/tunnel pins it). */
export async function readPodHostKey(target: Pick<ClusterTarget, 'kubeConfig'>, ref: PodRef): Promise<string> {
  const r = await execInPod(target, ref, ['cat', POD_HOST_KEY_FILE]);
  if (r.exitCode !== 0 || r.stdout.trim() === '') throw hostKeyUnreadable(ref, r);
  return r.stdout.trim();
}

/** The one line for a `cat` of the host key file that failed (or printed nothing). */
export function hostKeyUnreadable(ref: PodRef, r: Pick<PodExecResult, 'exitCode' | 'failure' | 'stderr'>): ClusterError {
  const why = r.failure ?? (r.exitCode !== 0 ? `exit code ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').join(' | ')}` : ''}` : 'the file is empty');
  return new ClusterError(`cannot read the SSH host key of pod ${ref.pod} (container ${ref.container}) in namespace ${ref.namespace} (cat ${POD_HOST_KEY_FILE}): ${why}; `
    + `is the container running this release's proxy image? (the session needs pods/exec to read it: kubectl auth can-i create pods/exec -n ${ref.namespace})`);
}
