// `--deployment NAME`: a Deployment the user runs of the proxy image (Telepresence 1's existing_deployment).
// Nothing is created or restarted: the session takes a Ready pod of it, checks that the pod speaks this
// release's pod protocol, then adds its own key to that pod's sshd (journalled first, one line removed
// at the end, or by the next run after a SIGKILL), so that only keys made by sessions log in.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

import type { Repairer } from '../../changes.js';
import { packageVersion } from '../../config/version.js';
import { ClusterError, UnsupportedError } from '../../errors.js';
import { parsePodInfo, PODINFO_COMMAND, podProtocolMismatch, PROXY_SSH_USER } from '../../protocol/index.js';
import { apiFailure, isNotFound } from '../api-errors.js';
import { addAuthorizedKey, containerUid, removeAuthorizedKey, sessionKeyLine } from '../authorized-key.js';
import { apisFor } from '../clients.js';
import { readPodHostKey } from '../host-key.js';
import { execInPod, readRecordedPod, type PodRef } from '../pod-exec.js';
import { podWatch, waitForReadyPod } from '../proxy-deploy.js';
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

/** A shell's or the runtime's words for "there is no such command" (an image without podinfo). */
const NO_SUCH_COMMAND = /executable file not found|no such file or directory|not found/i;

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
    // Another Ready pod of the Deployment takes over when this one goes: prepared the same way.
    return replaceable(this.target, await this.takePod(pod, ctx, ctx.progress), {
      deployment: this.deployment, labelSelector, prepare: (next, log) => this.takePod(next, ctx, log),
    });
  }

  /** Checks a Ready pod's protocol and user, then authorizes the session's key in it (journalled first); `say`: its steps. */
  private async takePod(pod: V1Pod, ctx: OperationContext, say: (line: string) => void): Promise<ProxyPod> {
    const { namespace } = this.target;
    const podName = pod.metadata!.name!;
    const ref = { namespace, pod: podName, container: this.containerOf(pod) };
    say(`Pod ${podName} is ready (IP ${pod.status!.podIP})`);
    // The protocol first: a pod of another release is told apart before anything else is asked of it.
    await this.checkProtocol(ref, pod, ctx.image);
    // This pod's sshd made its key at its start, before this session: the API server says which it is. Read
    // meanwhile (one exec less on the way); a failure to read it is reported where it was before, last.
    const hostKeyRead = readPodHostKey(this.target, ref).then((key) => ({ key }), (err: unknown) => ({ err }));
    const uid = await containerUid(this.target, ref);
    const low = lowPortRefusal(ctx.exposePorts, uid, podName, this.deployment);
    if (low) throw new UnsupportedError(low);
    const sshUser = uid === 0 ? 'root' : PROXY_SSH_USER;
    const data: AuthorizedKeyEntry = {
      context: this.target.context, namespace, deployment: this.deployment, pod: podName, podUid: pod.metadata!.uid ?? '',
      container: ref.container, keyLine: sessionKeyLine(ctx.publicKey, ctx.sessionId),
    };
    const entry = ctx.journal.record<AuthorizedKeyEntry>(AUTHORIZED_KEY, data);
    // Pushed before the change: removing a line that never made it in is no harm.
    ctx.undo.push(`remove the key of session ${ctx.sessionId} from pod ${podName}`,
      entry.settleAfter(async () => { await removeSessionKey(this.target, data); }));
    say(`Authorizing this session's key for ${sshUser} in pod ${podName}`);
    await addAuthorizedKey(this.target, ref, data.keyLine);
    const read = await hostKeyRead;
    if ('err' in read) throw read.err;
    return { podName, podIp: pod.status!.podIP!, hostKey: read.key, sshUser };
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

  /** `telepresence-podinfo` through the exec API: this release's protocol, else one line with the image to run. */
  private async checkProtocol(ref: PodRef, pod: V1Pod, image: string): Promise<void> {
    const podImage = pod.spec!.containers.find((c) => c.name === ref.container)?.image ?? 'unknown';
    const launcherVersion = packageVersion();
    const asker = { launcherVersion, fix: existingDeploymentFix(image, this.deployment, ref.container, ref.namespace, launcherVersion) };
    const r = await execInPod(this.target, ref, [PODINFO_COMMAND]);
    if (r.exitCode === null) {
      if (NO_SUCH_COMMAND.test(r.failure ?? '')) throw new ClusterError(podProtocolMismatch(podImage, null, asker));
      throw new ClusterError(`cannot run ${PODINFO_COMMAND} in pod ${ref.pod} (container ${ref.container}): ${r.failure}`);
    }
    const checked = parsePodInfo(r.exitCode === 0 ? r.stdout : r.stdout || r.stderr, podImage, asker);
    if ('refusal' in checked) throw new ClusterError(checked.refusal);
  }
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
