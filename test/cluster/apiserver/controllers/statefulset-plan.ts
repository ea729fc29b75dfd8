// What the StatefulSet controller does next for one StatefulSet, from its pods: which ordinals to
// create, which pods to delete, and the status. Pure (the loop of the real controller, in short):
// OrderedReady creates NAME-0, waits for it to be Running and Ready, then NAME-1; scales down from
// the highest ordinal one at a time; a RollingUpdate replaces outdated pods highest first. Parallel
// does each step for all pods at once.
import type { KObject } from '../store.js';
import { templateHash } from './hash.js';
import { isPodReady } from './owners.js';

export interface StatefulSetPlan {
  create: number[];
  delete: string[];
  status: KObject;
}

export const REVISION_LABEL = 'controller-revision-hash';

export function ordinalOf(stsName: string, podName: string): number | undefined {
  const m = /^(.*)-(\d+)$/.exec(podName);
  return m && m[1] === stsName ? Number(m[2]) : undefined;
}

export function updateRevision(sts: KObject): string {
  return `${sts.metadata.name}-${templateHash(sts.spec.template)}`;
}

const terminating = (p: KObject) => !!p.metadata.deletionTimestamp;
const finished = (p: KObject) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const healthy = (p: KObject) => p.status?.phase === 'Running' && isPodReady(p) && !terminating(p);

/** `pods` are the pods the StatefulSet controls. */
export function planStatefulSet(sts: KObject, pods: KObject[]): StatefulSetPlan {
  const name = sts.metadata.name;
  const start: number = sts.spec.ordinals?.start ?? 0;
  const want: number = sts.spec.replicas ?? 1;
  const parallel = sts.spec.podManagementPolicy === 'Parallel';
  const revision = updateRevision(sts);
  const byOrdinal = new Map<number, KObject>();
  for (const p of pods) {
    const i = ordinalOf(name, p.metadata.name);
    if (i !== undefined) byOrdinal.set(i, p);
  }
  const inRange = (i: number) => i >= start && i < start + want;
  const plan: StatefulSetPlan = { create: [], delete: [], status: {} };

  // Replicas in ascending order: (re)create missing and finished pods; OrderedReady waits for each.
  let blocked = false;
  for (let i = start; i < start + want && !blocked; i++) {
    const pod = byOrdinal.get(i);
    if (!pod) {
      plan.create.push(i);
      blocked = !parallel;
    } else if (finished(pod) && !terminating(pod)) {
      plan.delete.push(pod.metadata.name); // recreated on a later pass, once gone
      blocked = !parallel;
    } else if (!healthy(pod)) blocked = !parallel;
  }
  // Condemned pods (ordinals out of range), highest first; OrderedReady one at a time, after the rest is healthy.
  const condemned = [...byOrdinal.entries()].filter(([i]) => !inRange(i)).sort(([a], [b]) => b - a).map(([, p]) => p);
  for (const pod of condemned) {
    if (blocked) break;
    if (terminating(pod)) {
      blocked = !parallel;
      continue;
    }
    plan.delete.push(pod.metadata.name);
    blocked = !parallel;
  }
  // RollingUpdate: once all replicas are healthy, replace the highest outdated pod at or above the partition.
  const strategy = sts.spec.updateStrategy ?? { type: 'RollingUpdate' };
  if (!blocked && strategy.type === 'RollingUpdate' && plan.create.length === 0 && plan.delete.length === 0) {
    const partition: number = strategy.rollingUpdate?.partition ?? 0;
    for (let i = start + want - 1; i >= start + partition; i--) {
      const pod = byOrdinal.get(i);
      if (!pod) continue;
      if (!healthy(pod)) break;
      if (pod.metadata.labels?.[REVISION_LABEL] !== revision) {
        plan.delete.push(pod.metadata.name);
        break;
      }
    }
  }
  plan.status = statusOf(sts, pods, revision);
  return plan;
}

function statusOf(sts: KObject, pods: KObject[], revision: string): KObject {
  const live = pods.filter((p) => !terminating(p));
  const ready = live.filter(healthy).length;
  const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
  const want: number = sts.spec.replicas ?? 1;
  // The current revision becomes the update revision once every replica runs it.
  const current = updated === want && live.length === want ? revision : (sts.status?.currentRevision ?? revision);
  const status: KObject = {
    observedGeneration: sts.metadata.generation,
    replicas: live.length,
    readyReplicas: ready,
    currentReplicas: live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === current).length,
    updatedReplicas: updated,
    currentRevision: current,
    updateRevision: revision,
    collisionCount: 0,
    availableReplicas: ready,
  };
  // Go's omitempty: zero counts are left out, except replicas and availableReplicas.
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[k] === 0) delete status[k];
  return status;
}

/** The pod for one ordinal: the template, the identity labels, and the stable hostname in the governing Service. */
export function podForOrdinal(sts: KObject, ordinal: number, ownerRef: KObject): KObject {
  const tpl = structuredClone(sts.spec.template ?? {});
  const podName = `${sts.metadata.name}-${ordinal}`;
  const spec = tpl.spec ?? {};
  spec.hostname = podName;
  if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
  return {
    metadata: {
      name: podName,
      labels: {
        ...(tpl.metadata?.labels ?? {}),
        [REVISION_LABEL]: updateRevision(sts),
        'statefulset.kubernetes.io/pod-name': podName,
        'apps.kubernetes.io/pod-index': String(ordinal),
      },
      ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
      ownerReferences: [ownerRef],
    },
    spec,
  };
}
