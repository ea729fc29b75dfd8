// The swap's record on the original Deployment: written with the scale to 0 in one patch, removed with
// the restore in one patch, each guarded by the resourceVersion read just before (a concurrent change
// is a conflict, never a lost update).
import type { V1Deployment } from '@kubernetes/client-node';

import { ClusterError } from '../../errors.js';
import { apiFailure, nullIfNotFound } from '../api-errors.js';
import type { KubeApis } from '../clients.js';
import { loadClientNode } from '../client-node.js';
import { readSwapRecord, SWAP_ANNOTATIONS, type SwapRecord } from './spec.js';

export const replicasText = (n: number) => `${n} replica${n === 1 ? '' : 's'}`;

async function mergePatch(apis: KubeApis, namespace: string, name: string, body: object): Promise<V1Deployment> {
  const k8s = await loadClientNode();
  return apis.apps.patchNamespacedDeployment({ namespace, name, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

export function readDeployment(apis: KubeApis, namespace: string, name: string): Promise<V1Deployment | null> {
  return nullIfNotFound(apis.apps.readNamespacedDeployment({ namespace, name }));
}

/**
 * Annotates the original with the record and scales it to 0, read afresh just before: its status moves
 * while the copy starts (a rollout finishing, pods coming back after a restore), so a conflict is read
 * again and retried; a change that matters (deleted, swapped by another session, scaled to 0) stops it.
 * Resolves with the replica count recorded.
 */
export async function recordSwap(apis: KubeApis, namespace: string, name: string, record: Omit<SwapRecord, 'replicas'>): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const current = await readDeployment(apis, namespace, name);
    if (!current) throw new ClusterError(`Deployment ${name} was deleted from namespace "${namespace}" while it was being swapped`);
    const other = readSwapRecord(current);
    if (other && other.sessionId !== record.sessionId) throw new ClusterError(`Deployment ${name} was swapped by telepresence session ${other.sessionId} while this session was swapping it: run telepresence again once that session ended`);
    const replicas = current.spec?.replicas ?? 1;
    if (replicas === 0) throw new ClusterError(`Deployment ${name} was scaled to 0 while it was being swapped: there is nothing to swap; scale it up and run telepresence again`);
    try {
      await mergePatch(apis, namespace, name, {
        metadata: {
          resourceVersion: current.metadata!.resourceVersion,
          annotations: {
            [SWAP_ANNOTATIONS.session]: record.sessionId,
            [SWAP_ANNOTATIONS.replicas]: String(replicas),
            [SWAP_ANNOTATIONS.lease]: record.lease,
            [SWAP_ANNOTATIONS.copy]: record.copy,
          },
        },
        spec: { replicas: 0 },
      });
      return replicas;
    } catch (err) {
      const f = apiFailure(err);
      if (f.code === 409 && attempt < 10) continue;
      if (f.code === 409) throw new ClusterError(`Deployment ${name} kept changing while it was being swapped (another run or a rollout): run telepresence again`);
      throw new ClusterError(`cannot scale Deployment ${name} to 0 in namespace "${namespace}": ${f.message}`);
    }
  }
}

/**
 * Puts back the replica count that session `sessionId` recorded and removes the record, in one patch.
 * Null when there is nothing of that session to restore (the Deployment is gone, or not swapped by it);
 * else the line that says what was done. A count changed by someone during the swap is left as it is.
 */
export async function restoreSwap(apis: KubeApis, namespace: string, name: string, sessionId: string): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    const current = await readDeployment(apis, namespace, name);
    const record = current && readSwapRecord(current);
    if (!current || !record || record.sessionId !== sessionId) return null;
    const now = current.spec?.replicas ?? 1;
    const annotations = Object.fromEntries(Object.values(SWAP_ANNOTATIONS).map((k) => [k, null]));
    try {
      await mergePatch(apis, namespace, name, {
        metadata: { resourceVersion: current.metadata?.resourceVersion, annotations },
        ...(now === 0 ? { spec: { replicas: record.replicas } } : {}),
      });
    } catch (err) {
      const f = apiFailure(err);
      if (f.code === 409 && attempt < 5) continue;
      throw new ClusterError(`cannot restore Deployment ${name} in namespace "${namespace}" to ${replicasText(record.replicas)}: ${f.message}; restore it with \`kubectl scale deployment ${name} --replicas=${record.replicas} -n ${namespace}\``);
    }
    return now === 0
      ? `Restored Deployment ${name} to ${replicasText(record.replicas)}`
      : `Deployment ${name} was scaled to ${replicasText(now)} during the swap: left so (it had ${record.replicas} before)`;
  }
}
