// Runs one command in a container of a pod through the exec API (pods/exec, client-node's Exec), as
// `kubectl exec` does, and hands back its output and exit code: how the launcher talks to a pod it has
// no SSH key for yet (an existing proxy Deployment's pod).
import { Writable } from 'node:stream';
import type { V1Pod, V1Status } from '@kubernetes/client-node';

import { ClusterError } from '../errors.js';
import { apiFailure, isNotFound } from './api-errors.js';
import { apisFor } from './clients.js';
import { loadClientNode } from './client-node.js';
import type { ClusterTarget } from './target.js';

export interface PodExecResult {
  stdout: string;
  stderr: string;
  /** The command's exit code; null when it never ran (`failure` says why, e.g. no such executable). */
  exitCode: number | null;
  failure?: string;
}

export interface PodRef {
  namespace: string;
  pod: string;
  container: string;
}

/** What an exec's Status means: Success is 0, NonZeroExitCode its code, anything else a failure to run. */
export function execOutcome(status: V1Status): Pick<PodExecResult, 'exitCode' | 'failure'> {
  if (status.status === 'Success') return { exitCode: 0 };
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (status.reason === 'NonZeroExitCode' && code !== undefined && /^\d+$/.test(code)) return { exitCode: Number(code) };
  return { exitCode: null, failure: status.message ?? status.reason ?? 'the exec failed without a message' };
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `command` (no shell, no stdin, no tty) in the container; throws ClusterError when the API refuses the exec. */
export async function execInPod(target: Pick<ClusterTarget, 'kubeConfig'>, ref: PodRef, command: readonly string[], timeoutMs = 30_000): Promise<PodExecResult> {
  const { Exec } = await loadClientNode();
  const out = sink();
  const err = sink();
  const where = `pod ${ref.pod} (container ${ref.container}) in namespace ${ref.namespace}`;
  let settle: (status: V1Status | Error) => void = () => undefined;
  const done = new Promise<V1Status | Error>((resolve) => { settle = resolve; });
  let socket: Awaited<ReturnType<InstanceType<typeof Exec>['exec']>>;
  try {
    socket = await new Exec(target.kubeConfig).exec(ref.namespace, ref.pod, ref.container, [...command], out.stream, err.stream, null, false,
      (status) => settle(status));
  } catch (e) {
    const message = (e as { message?: unknown }).message;
    throw new ClusterError(`cannot exec in ${where}: ${typeof message === 'string' ? message : String(e)}; the launcher needs the pods/exec permission there (kubectl auth can-i create pods/exec -n ${ref.namespace})`);
  }
  // The Status comes last on the socket; a socket that closes without one lost the command's end.
  socket.on('close', () => settle(new Error('the exec connection closed before the command ended')));
  socket.on('error', (e: Error) => settle(e));
  const timer = setTimeout(() => settle(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  const result = await done;
  clearTimeout(timer);
  socket.close();
  if (result instanceof Error) throw new ClusterError(`exec of ${command[0]} in ${where} failed: ${result.message}`);
  return { stdout: out.text(), stderr: err.text(), ...execOutcome(result) };
}

/**
 * The pod a journal entry names, if it is still that pod: null when it is gone, being deleted, or another
 * pod of the same name (another uid). `purpose` ends the message of a read that fails.
 */
export async function readRecordedPod(
  target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>, entry: { namespace: string; pod: string; podUid: string }, purpose: string,
): Promise<V1Pod | null> {
  let pod: V1Pod;
  try {
    pod = await (await apisFor(target)).core.readNamespacedPod({ name: entry.pod, namespace: entry.namespace });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw new ClusterError(`cannot read pod ${entry.pod} in namespace ${entry.namespace} to ${purpose}: ${apiFailure(err).message}`);
  }
  return pod.metadata?.uid !== entry.podUid || pod.metadata?.deletionTimestamp ? null : pod;
}
