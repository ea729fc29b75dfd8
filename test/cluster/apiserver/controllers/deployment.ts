// The Deployment controller: one ReplicaSet per pod template (<deploy>-<pod-template-hash>), the
// new one scaled up and the old ones down as new pods become available (Recreate: old first),
// the revision annotation, and the status `kubectl rollout status` reads.
import { resourceFor, type Registry } from '../registry.js';
import type { KObject } from '../store.js';
import type { Controller } from './manager.js';
import { canonical, controllerRef, isControlledBy, mergeConditions } from './owners.js';
import { templateHash } from './hash.js';
import { recordEvent } from './events.js';
import { resolveIntOrPercent, rollingStep } from './rolling.js';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

function templateWithoutHash(tpl: KObject): string {
  const copy = structuredClone(tpl ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[HASH_LABEL];
  return canonical(copy);
}

function revisionOf(o: KObject): number {
  return Number(o.metadata.annotations?.[REVISION] ?? 0);
}

function maxUnavailable(d: KObject): number {
  const want = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return want;
  return Math.min(want, resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, want, false));
}

function createReplicaSet(registry: Registry, d: KObject, revision: number): KObject {
  const hash = templateHash(d.spec.template);
  const tpl = structuredClone(d.spec.template);
  tpl.metadata ??= {};
  tpl.metadata.labels = { ...(tpl.metadata.labels ?? {}), [HASH_LABEL]: hash };
  const want = d.spec.replicas ?? 1;
  return registry.create(resourceFor('replicasets'), d.metadata.namespace, {
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      labels: tpl.metadata.labels,
      annotations: { [REVISION]: String(revision), 'deployment.kubernetes.io/desired-replicas': String(want), 'deployment.kubernetes.io/max-replicas': String(want) },
      ownerReferences: [controllerRef(d)],
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec.minReadySeconds ?? 0,
      selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [HASH_LABEL]: hash } },
      template: tpl,
    },
  });
}

function setReplicas(registry: Registry, rs: KObject, replicas: number, d?: KObject): void {
  const from = rs.spec.replicas ?? 1;
  if (from === replicas) return;
  if (d) recordEvent(registry, d, 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${replicas} from ${from}`, 'deployment-controller');
  registry.update(resourceFor('replicasets'), rs.metadata.namespace, rs.metadata.name, { ...rs, metadata: { ...rs.metadata, resourceVersion: undefined }, spec: { ...rs.spec, replicas } });
}

function reconcileOne(registry: Registry, d: KObject): void {
  const ns = d.metadata.namespace;
  const want: number = d.spec.replicas ?? 1;
  const all = registry.list('replicasets', ns).filter((rs) => isControlledBy(rs, d));
  const wanted = templateWithoutHash(d.spec.template);
  let newRs = all.find((rs) => templateWithoutHash(rs.spec.template) === wanted);
  const maxRevision = Math.max(0, ...all.map(revisionOf));
  let reason = 'FoundNewReplicaSet';
  if (!newRs && !d.spec.paused) {
    newRs = createReplicaSet(registry, d, maxRevision + 1);
    reason = 'NewReplicaSetCreated';
  } else if (newRs && revisionOf(newRs) < maxRevision) {
    newRs = registry.update(resourceFor('replicasets'), ns, newRs.metadata.name, {
      ...newRs, metadata: { ...newRs.metadata, resourceVersion: undefined, annotations: { ...newRs.metadata.annotations, [REVISION]: String(maxRevision + 1) } },
    });
  }
  const old = all.filter((rs) => rs.metadata.uid !== newRs?.metadata.uid);
  if (newRs && !d.spec.paused) {
    if (d.spec.strategy?.type === 'Recreate') {
      for (const rs of old) setReplicas(registry, rs, 0, d);
      // Recreate waits until the old pods are gone, terminating ones included.
      const oldPods = registry.list('pods', ns).filter((p) => old.some((rs) => isControlledBy(p, rs)));
      if (oldPods.length === 0) setReplicas(registry, newRs, want, d);
    } else {
      const counts = (rs: KObject) => ({ name: rs.metadata.name, spec: rs.spec.replicas ?? 0, available: rs.status?.availableReplicas ?? 0 });
      const oldestFirst = [...old].sort((a, b) => revisionOf(a) - revisionOf(b));
      const ru = d.spec.strategy?.rollingUpdate ?? {};
      const step = rollingStep(want, ru.maxSurge, ru.maxUnavailable, counts(newRs), oldestFirst.map(counts));
      for (const rs of [newRs, ...oldestFirst]) {
        const n = step.get(rs.metadata.name);
        if (n !== undefined) setReplicas(registry, rs, n, d);
      }
    }
    const revision = String(revisionOf(newRs));
    if (d.metadata.annotations?.[REVISION] !== revision) {
      d = registry.update(resourceFor('deployments'), ns, d.metadata.name, {
        ...d, metadata: { ...d.metadata, resourceVersion: undefined, annotations: { ...(d.metadata.annotations ?? {}), [REVISION]: revision } },
      });
    }
  }
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const idle = old.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) registry.delete(resourceFor('replicasets'), ns, rs.metadata.name, {});
  writeStatus(registry, d, newRs, [...old, ...(newRs ? [newRs] : [])], reason);
}

function writeStatus(registry: Registry, d: KObject, newRs: KObject | undefined, all: KObject[], reason: string): void {
  const want: number = d.spec.replicas ?? 1;
  const sum = (f: (rs: KObject) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const replicas = sum((rs) => rs.status?.replicas ?? 0);
  const updated = newRs?.status?.replicas ?? 0;
  const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const complete = newRs && updated === want && replicas === want && available === want
    && (newRs.status?.observedGeneration ?? 0) >= (newRs.metadata.generation ?? 1);
  const name = newRs?.metadata.name ?? '';
  const prevProgress = (d.status?.conditions ?? []).find((c: KObject) => c.type === 'Progressing');
  let progressing: KObject = complete
    ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.` }
    : reason === 'NewReplicaSetCreated'
      ? { type: 'Progressing', status: 'True', reason, message: `Created new replica set "${name}"` }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` };
  const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
  if (!complete && prevProgress && prevProgress.reason !== 'NewReplicaSetAvailable' && Date.now() - Date.parse(prevProgress.lastUpdateTime) > deadline) {
    progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.` };
  }
  const availableOk = available >= want - maxUnavailable(d);
  const conditions = mergeConditions(d.status?.conditions, [
    availableOk
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    progressing,
  ], now);
  const status: KObject = {
    observedGeneration: d.metadata.generation,
    replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available,
    unavailableReplicas: Math.max(0, sum((rs) => rs.spec.replicas ?? 0) - available),
    conditions,
  };
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[k] === 0) delete status[k];
  if (canonical(status) !== canonical(d.status ?? {})) {
    registry.update(resourceFor('deployments'), d.metadata.namespace, d.metadata.name, { ...d, status }, 'status');
  }
}

export const deploymentController: Controller = {
  name: 'deployment',
  reconcile(registry: Registry) {
    for (const d of registry.list('deployments')) if (!d.metadata.deletionTimestamp) reconcileOne(registry, d);
  },
};
