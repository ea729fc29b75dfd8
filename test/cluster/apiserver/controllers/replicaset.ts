// The ReplicaSet controller: keeps `spec.replicas` active pods named <rs>-<5 chars> with the
// template, removes the surplus (not-ready and newest first), and writes truthful status.
import { resourceFor, type Registry } from '../registry.js';
import type { KObject } from '../store.js';
import type { Controller } from './manager.js';
import { controllerRef, isControlledBy, isPodActive, isPodReady } from './owners.js';
import { recordEvent } from './events.js';

function deletionRank(pod: KObject): number[] {
  const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  return [pod.spec.nodeName ? 1 : 0, phaseRank[pod.status?.phase] ?? 0, isPodReady(pod) ? 1 : 0, -Date.parse(pod.metadata.creationTimestamp)];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function newPodFor(rs: KObject): KObject {
  const tpl = structuredClone(rs.spec.template ?? {});
  return {
    metadata: {
      generateName: `${rs.metadata.name}-`,
      labels: tpl.metadata?.labels ?? {},
      ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
      ownerReferences: [controllerRef(rs)],
    },
    spec: tpl.spec,
  };
}

export const replicaSetController: Controller = {
  name: 'replicaset',
  reconcile(registry: Registry) {
    const rsInfo = resourceFor('replicasets');
    const podInfo = resourceFor('pods');
    for (const rs of registry.list('replicasets')) {
      if (rs.metadata.deletionTimestamp) continue;
      const ns = rs.metadata.namespace;
      const owned = registry.list('pods', ns).filter((p) => isControlledBy(p, rs));
      const active = owned.filter(isPodActive);
      const want = rs.spec.replicas ?? 1;
      if (active.length < want) {
        for (let i = active.length; i < want; i++) {
          const pod = registry.create(podInfo, ns, newPodFor(rs));
          active.push(pod);
          recordEvent(registry, rs, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
        }
      } else if (active.length > want) {
        const victims = [...active].sort((a, b) => compareRanks(deletionRank(a), deletionRank(b))).slice(0, active.length - want);
        for (const v of victims) {
          registry.delete(podInfo, ns, v.metadata.name, {});
          recordEvent(registry, rs, 'SuccessfulDelete', `Deleted pod: ${v.metadata.name}`, 'replicaset-controller');
        }
        const gone = new Set(victims.map((v) => v.metadata.name));
        active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.name)));
      }
      const ready = active.filter(isPodReady).length;
      const status: KObject = {
        replicas: active.length,
        fullyLabeledReplicas: active.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation,
      };
      for (const k of ['readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
      if (JSON.stringify(status) !== JSON.stringify(rs.status ?? {})) {
        registry.update(rsInfo, ns, rs.metadata.name, { ...rs, status }, 'status');
      }
    }
  },
};
