// After the scale-down: wait until the original's own pods are gone, so that its Services send every
// new connection to the proxy pod. A pod that outlives the wait is reported, not fatal.
import type { V1Deployment } from '@kubernetes/client-node';

import { pollUntil } from '../../deadline.js';
import type { KubeApis } from '../clients.js';
import { originalPodSelector } from '../swap/spec.js';
import type { OperationContext } from './operation.js';

export async function waitForOriginalPods(apis: KubeApis, namespace: string, original: V1Deployment, ctx: Pick<OperationContext, 'progress' | 'signal' | 'readyTimeoutMs'>): Promise<void> {
  const name = original.metadata!.name!;
  const labelSelector = originalPodSelector(original);
  let left: string[] = [];
  const gone = await pollUntil(async () => {
    left = (await apis.core.listNamespacedPod({ namespace, labelSelector })).items.map((p) => p.metadata!.name!);
    return left.length === 0 ? true : undefined;
  }, { deadline: Date.now() + ctx.readyTimeoutMs, intervalMs: 250, signal: ctx.signal });
  if (!gone && !ctx.signal?.aborted) ctx.progress(`Warning: pods of Deployment ${name} are still there after ${ctx.readyTimeoutMs / 1000} s (${left.join(', ')}): its Services may send some connections to them`);
}
