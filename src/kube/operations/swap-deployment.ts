// `--swap-deployment NAME[:CONTAINER]`: a copy of the Deployment runs the proxy in place of one of its
// containers, and the original is scaled to 0. The swap is recorded twice: in the journal (a later run
// here repairs at once) and on the cluster (annotations on the original and a Lease the session renews),
// so that a run on any workstation can restore a Deployment whose session died.
import type { V1Deployment } from '@kubernetes/client-node';

import type { Repairer } from '../../changes.js';
import { ClusterError, UsageError } from '../../errors.js';
import { PROXY_SSH_USER } from '../../protocol/index.js';
import { apiFailure, isAlreadyExists } from '../api-errors.js';
import { apisFor } from '../clients.js';
import { deleteSessionObjects } from '../cleanup.js';
import { readPodHostKey } from '../host-key.js';
import { launchDeployment } from '../proxy-deploy.js';
import { needsPrivileged, sessionSelector } from '../proxy-spec.js';
import { deleteLease, holdLease, leaseState, readLease } from '../swap/lease.js';
import { readDeployment, recordSwap, replicasText, restoreSwap } from '../swap/record.js';
import { undoSwap } from '../swap/repair.js';
import { chooseContainer, containerTcpPorts, readSwapRecord, swapCopyName, swapLeaseName, swappedCopy } from '../swap/spec.js';
import type { ClusterTarget } from '../target.js';
import { SESSION_OBJECTS, type SessionObjectsEntry } from './new-deployment.js';
import type { OperationContext, ProxyOperation, ProxyPod } from './operation.js';
import { replaceable } from './successor.js';
import { waitForOriginalPods } from './swap-wait.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

export const SWAPPED_DEPLOYMENT = 'swapped-deployment';

/** The journal entry: enough to restore the original and delete the copy and the Lease. */
export interface SwappedDeploymentEntry {
  context: string;
  namespace: string;
  deployment: string;
  sessionId: string;
  lease: string;
}

export class SwapDeploymentOperation implements ProxyOperation {
  private original: V1Deployment | undefined;

  constructor(private readonly target: Target, readonly deployment: string, private readonly container: string | null, private readonly leaseMs: number) {}

  async check(): Promise<void> {
    const { namespace } = this.target;
    const name = this.deployment;
    const apis = await apisFor(this.target);
    let found: V1Deployment | null;
    try {
      found = await readDeployment(apis, namespace, name);
    } catch (err) {
      throw new ClusterError(`cannot read Deployment "${name}" in namespace "${namespace}": ${apiFailure(err).message}`);
    }
    if (!found) throw new UsageError(`Deployment "${name}" not found in namespace "${namespace}": --swap-deployment needs an existing Deployment (kubectl get deployments -n ${namespace})`);
    const record = readSwapRecord(found);
    if (record) {
      const state = leaseState(await readLease(apis, namespace, record.lease), Date.now());
      const how = state.expired
        ? `whose Lease has expired: run \`telepresence repair --namespace ${namespace}\` to restore it`
        : `which is alive (its Lease was renewed ${state.renewedSecondsAgo} s ago): end that session first`;
      throw new UsageError(`Deployment ${name} is already swapped by telepresence session ${record.sessionId}, ${how}`);
    }
    if ((found.spec?.replicas ?? 1) === 0) {
      throw new UsageError(`Deployment ${name} has 0 replicas: there is nothing to swap; scale it up first (kubectl scale deployment ${name} --replicas=1 -n ${namespace})`);
    }
    chooseContainer(found, this.container);
    this.original = found;
  }

  async apply(ctx: OperationContext): Promise<ProxyPod> {
    const original = this.original;
    if (!original) throw new Error('SwapDeploymentOperation.apply before check');
    const { namespace, context } = this.target;
    const name = this.deployment;
    const apis = await apisFor(this.target);
    const container = chooseContainer(original, this.container);
    const automaticPorts = containerTcpPorts(container);
    const exposePorts = [...new Set([...ctx.exposePorts, ...automaticPorts])];
    const replicas = original.spec?.replicas ?? 1;
    const copy = swapCopyName(name, ctx.sessionId);
    const lease = swapLeaseName(ctx.sessionId);
    ctx.progress(`Swapping Deployment ${name} (${replicasText(replicas)}) for a proxy pod`);

    // Journalled first: a SIGKILL from here on is repaired by the next run here (or, through the Lease, anywhere).
    const swapEntry = ctx.journal.record<SwappedDeploymentEntry>(SWAPPED_DEPLOYMENT, { context, namespace, deployment: name, sessionId: ctx.sessionId, lease });
    const held = await holdLease(apis, namespace, ctx.sessionId, lease, this.leaseMs, () => undefined, ctx.progress);
    ctx.undo.push(`delete the Lease ${lease}`, swapEntry.settleAfter(async () => {
      held.stop();
      await deleteLease(apis, namespace, lease);
    }));
    const objects = ctx.journal.record<SessionObjectsEntry>(SESSION_OBJECTS, { context, namespace, sessionId: ctx.sessionId });
    ctx.undo.push(`delete the copy ${copy} of Deployment ${name}`, objects.settleAfter(() => deleteSessionObjects(this.target, ctx.sessionId)));
    const body = swappedCopy(original, {
      sessionId: ctx.sessionId, image: ctx.image, publicKey: ctx.publicKey, container: container.name, exposePorts, serviceAccount: ctx.serviceAccount, env: ctx.podEnv,
    });
    const proxy = await launchDeployment(this.target, {
      name: copy, image: ctx.image, sessionId: ctx.sessionId, deployment: body, container: container.name, exposePorts, signal: ctx.signal,
    }, ctx.progress, ctx.readyTimeoutMs);
    // The restore is registered before the scale-down: it only acts on a record of this session.
    ctx.undo.push(`restore Deployment ${name} to ${replicasText(replicas)}`, async () => {
      const line = await restoreSwap(apis, namespace, name, ctx.sessionId);
      if (line) ctx.progress(line);
    });
    const recorded = await recordSwap(apis, namespace, name, { sessionId: ctx.sessionId, lease, copy });
    if (recorded !== replicas) ctx.progress(`Deployment ${name} was scaled to ${replicasText(recorded)} meanwhile: that count is restored at exit`);
    await waitForOriginalPods(apis, namespace, original, ctx);
    const sshUser = needsPrivileged(exposePorts) ? 'root' : PROXY_SSH_USER;
    // The copy's controller replaces a deleted proxy pod; a deleted copy is made again from the same body,
    // with the session's label, so the journal's entry (still open) and the undo delete it as the first.
    return replaceable(this.target, { podName: proxy.podName, podIp: proxy.podIp, hostKey: proxy.hostKey, sshUser, automaticPorts }, {
      deployment: copy, labelSelector: sessionSelector(ctx.sessionId),
      prepare: async (pod) => {
        const podName = pod.metadata!.name!;
        const hostKey = await readPodHostKey(this.target, { namespace, pod: podName, container: container.name });
        return { podName, podIp: pod.status!.podIP!, hostKey, sshUser, automaticPorts };
      },
      recreate: async () => {
        ctx.progress(`Re-creating Deployment ${copy}, the proxy in place of ${name} (it was deleted)`);
        try {
          await apis.apps.createNamespacedDeployment({ namespace, body: structuredClone(body) });
        } catch (err) {
          // Still being deleted, or made meanwhile: the next look finds it.
          if (!isAlreadyExists(err)) throw new ClusterError(`cannot re-create Deployment ${copy} in namespace ${namespace}: ${apiFailure(err).message}`);
        }
      },
    });
  }
}

/** What a SIGKILLed session of this workstation swapped: restored at once (its pid is known dead). */
export function swappedDeploymentRepairer(target: Target): Repairer<SwappedDeploymentEntry> {
  return {
    kind: SWAPPED_DEPLOYMENT,
    where: 'cluster',
    async repair(data) {
      if (data.context !== target.context) return null;
      return undoSwap({ ...target, namespace: data.namespace }, data.deployment, data);
    },
  };
}
