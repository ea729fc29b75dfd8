// `--deployment NAME`: a Deployment the user runs of the proxy image (Telepresence 1's existing_deployment).
// Nothing is created or restarted: the session takes a Ready pod of it, checks that the pod speaks this
// release's pod protocol and adds its own key to that pod's sshd, in one exec (journalled first, one line
// removed at the end, or by the next run after a SIGKILL), so that only keys made by sessions log in.
import { randomBytes } from 'node:crypto';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

import type { Repairer } from '../../changes.js';
import { packageVersion } from '../../config/version.js';
import { ClusterError, UnsupportedError } from '../../errors.js';
import { parsePodInfo, PODINFO_COMMAND, podProtocolMismatch, PROXY_SSH_USER } from '../../protocol/index.js';
import { apiFailure, isNotFound } from '../api-errors.js';
import { failed, removeAuthorizedKey, sessionKeyLine } from '../authorized-key.js';
import { apisFor } from '../clients.js';
import { hostKeyUnreadable } from '../host-key.js';
import { execInPod, readRecordedPod, type PodExecResult, type PodRef } from '../pod-exec.js';
import { podWatch, waitForReadyPod } from '../proxy-deploy.js';
import { parseTakePodOutput, takePodArgv, type Section } from '../take-pod-script.js';
import type { ClusterTarget } from '../target.js';
import { deploymentUnusable, existingDeploymentFix, labelSelectorText, lowPortRefusal, proxyContainerOf } from './existing-pod.js';
import type { OperationContext, ProxyOperation, ProxyPod } from './operation.js';
import { replaceable } from './successor.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

/** The journal entry: the line added to the sshd of that pod (by uid: a pod of the same name is another pod). */
export interface AuthorizedKeyEntry {
  context: string;
  namespace: string;
  deployment: string;
  pod: string;
  podUid: string;
  container: string;
  keyLine: string;
}

export const AUTHORIZED_KEY = 'pod-authorized-key';

/** The runtime's words for "there is no such command" (an image without sh). */
const NO_SUCH_COMMAND = /executable file not found|no such file or directory|not found/i;
/** sh's exit statuses for a command it cannot find, and for one it found but cannot run. */
const COMMAND_NOT_FOUND = 127;
const COMMAND_NOT_EXECUTABLE = 126;

export class ExistingDeploymentOperation implements ProxyOperation {
  constructor(private readonly target: Target, readonly deployment: string) {}

  async check(): Promise<void> {
    const unusable = deploymentUnusable(await this.read(), this.target.namespace);
    if (unusable) throw new ClusterError(unusable);
  }

  async apply(ctx: OperationContext): Promise<ProxyPod> {
    const { namespace } = this.target;
    ctx.progress(`Using the existing Deployment ${this.deployment} in namespace ${namespace}`);
    const d = await this.read();
    const labelSelector = labelSelectorText(d.spec?.selector);
    const unusable = deploymentUnusable(d, namespace);
    if (unusable || labelSelector === null) throw new ClusterError(unusable ?? `Deployment "${this.deployment}" has no usable spec.selector`);
    const pod = await waitForReadyPod(await apisFor(this.target), namespace, { deployment: this.deployment, labelSelector, signal: ctx.signal, watch: await podWatch(this.target) },
      ctx.progress, Date.now() + ctx.readyTimeoutMs, ctx.readyTimeoutMs);
    // The tunnel's port-forward and key exchange run while the exec below authorizes the key.
    ctx.podChosen?.(pod.metadata!.name!);
    // Another Ready pod of the Deployment takes over when this one goes: prepared the same way.
    return replaceable(this.target, await this.takePod(pod, ctx, ctx.progress), {
      deployment: this.deployment, labelSelector, prepare: (next, log) => this.takePod(next, ctx, log),
    });
  }

  /**
   * Checks a Ready pod's protocol and user and authorizes the session's key in it, in one exec (take-pod-script.ts):
   * journalled and its undo pushed first, so that a refusal found in the answer leaves no line behind; `say`: its steps.
   */
  private async takePod(pod: V1Pod, ctx: OperationContext, say: (line: string) => void): Promise<ProxyPod> {
    const { namespace } = this.target;
    const podName = pod.metadata!.name!;
    const ref = { namespace, pod: podName, container: this.containerOf(pod) };
    say(`Pod ${podName} is ready (IP ${pod.status!.podIP})`);
    const data: AuthorizedKeyEntry = {
      context: this.target.context, namespace, deployment: this.deployment, pod: podName, podUid: pod.metadata!.uid ?? '',
      container: ref.container, keyLine: sessionKeyLine(ctx.publicKey, ctx.sessionId),
    };
    const entry = ctx.journal.record<AuthorizedKeyEntry>(AUTHORIZED_KEY, data);
    // Until the script's whole answer says it added nothing, the line may be there.
    let mayBeAdded = true;
    ctx.undo.push(`remove the key of session ${ctx.sessionId} from pod ${podName}`,
      entry.settleAfter(async () => { if (mayBeAdded) await removeSessionKey(this.target, data); }));
    const boundary = `telepresence-${randomBytes(8).toString('hex')}`;
    const r = await execInPod(this.target, ref, takePodArgv(data.keyLine, boundary, ctx.exposePorts.some((p) => p < 1024)));
    const out = r.exitCode === null ? {} : parseTakePodOutput(r.stdout, boundary);
    if (r.exitCode === 0 && !out.key) mayBeAdded = false;
    // The protocol first: a pod of another release is told apart before anything else it answered.
    this.checkProtocol(ref, pod, ctx.image, r, out.podinfo);
    const uid = out.uid?.status === 0 && /^\d+$/.test(out.uid.text.trim()) ? Number(out.uid.text.trim()) : null;
    if (uid === null) throw failed('read the user id (id -u)', ref, sectionResult(r, out.uid));
    const low = lowPortRefusal(ctx.exposePorts, uid, podName, this.deployment);
    if (low) throw new UnsupportedError(low);
    const sshUser = uid === 0 ? 'root' : PROXY_SSH_USER;
    say(`Authorizing this session's key for ${sshUser} in pod ${podName}`);
    if (out.key?.status !== 0) throw failed("authorize the session's key", ref, sectionResult(r, out.key));
    // This pod's sshd made its key at its start, before this session: the API server says which it is.
    const hostKey = out.hostKey?.status === 0 ? out.hostKey.text.trim() : '';
    if (hostKey === '') throw hostKeyUnreadable(ref, sectionResult(r, out.hostKey));
    return { podName, podIp: pod.status!.podIP!, hostKey, sshUser, podInfo: out.podinfo?.status === 0 ? out.podinfo.text : undefined };
  }

  private async read(): Promise<V1Deployment> {
    const { namespace } = this.target;
    try {
      return await (await apisFor(this.target)).apps.readNamespacedDeployment({ name: this.deployment, namespace });
    } catch (err) {
      if (isNotFound(err)) {
        throw new ClusterError(`Deployment "${this.deployment}" not found in namespace "${namespace}": deploy the proxy image as ${this.deployment} there first (README: --deployment), or let telepresence make one with --new-deployment ${this.deployment}`);
      }
      throw new ClusterError(`cannot read Deployment "${this.deployment}" in namespace "${namespace}": ${apiFailure(err).message}`);
    }
  }

  private containerOf(pod: V1Pod): string {
    const container = proxyContainerOf(pod);
    if (container) return container;
    const names = (pod.spec?.containers ?? []).map((c) => c.name).join(', ');
    throw new ClusterError(`pod ${pod.metadata!.name} of Deployment ${this.deployment} has several containers (${names}) and none is the proxy: name the proxy image's container telepresence`);
  }

  /** podinfo's answer: this release's protocol, else one line with the image to run. */
  private checkProtocol(ref: PodRef, pod: V1Pod, image: string, r: PodExecResult, podinfo: Section | undefined): void {
    const podImage = pod.spec!.containers.find((c) => c.name === ref.container)?.image ?? 'unknown';
    const launcherVersion = packageVersion();
    const asker = { launcherVersion, fix: existingDeploymentFix(image, this.deployment, ref.container, ref.namespace, launcherVersion) };
    const cannotRun = (why: string) => new ClusterError(`cannot run ${PODINFO_COMMAND} in pod ${ref.pod} (container ${ref.container}): ${why}`);
    // No sh at all is no image of this protocol either.
    if (r.exitCode === null) throw NO_SUCH_COMMAND.test(r.failure ?? '') ? new ClusterError(podProtocolMismatch(podImage, null, asker)) : cannotRun(r.failure ?? '');
    if (!podinfo) throw cannotRun(sectionResult(r, podinfo).failure!);
    if (podinfo.status === COMMAND_NOT_FOUND) throw new ClusterError(podProtocolMismatch(podImage, null, asker));
    if (podinfo.status === COMMAND_NOT_EXECUTABLE) throw cannotRun(r.stderr.trim() || `exit code ${podinfo.status}`);
    const checked = parsePodInfo(podinfo.status === 0 ? podinfo.text : podinfo.text || r.stderr, podImage, asker);
    if ('refusal' in checked) throw new ClusterError(checked.refusal);
  }
}

/** A section as the result of its command; a section the script never printed, as a failure to run it. */
function sectionResult(r: PodExecResult, s: Section | undefined): Pick<PodExecResult, 'exitCode' | 'failure' | 'stderr'> {
  if (s) return { exitCode: s.status, stderr: s.text };
  const stderr = r.stderr.trim() ? `: ${r.stderr.trim().split('\n').join(' | ')}` : '';
  return { exitCode: null, stderr: '', failure: r.failure ?? `the script ended (exit code ${r.exitCode}) before that part${stderr}` };
}

/**
 * Removes the entry's line from its pod, if that pod still runs: a pod that is gone, replaced or not
 * running has no sshd that could take the key (a restarted container starts from the image's files).
 */
async function removeSessionKey(target: Target, data: AuthorizedKeyEntry): Promise<boolean> {
  const pod = await readRecordedPod(target, data, "remove a session's key");
  if (pod?.status?.phase !== 'Running') return false;
  const ref = { namespace: data.namespace, pod: data.pod, container: data.container };
  return (await removeAuthorizedKey(target, ref, data.keyLine)).length > 0;
}

/** Removes the key line a dead session added to a pod of this cluster; entries of another context are kept. */
export function authorizedKeyRepairer(target: Target): Repairer<AuthorizedKeyEntry> {
  return {
    kind: AUTHORIZED_KEY,
    where: 'cluster',
    async repair(data, session) {
      if (data.context !== target.context) return null;
      if (!(await removeSessionKey({ ...target, namespace: data.namespace }, data))) return [];
      return [`removed the key of an earlier session (pid ${session.pid}, started ${session.started}) from pod ${data.pod} of Deployment ${data.deployment} in namespace ${data.namespace}`];
    },
  };
}
