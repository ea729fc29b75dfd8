// Namespaces (a `default` ServiceAccount in each; deletion empties it, then removes it), garbage
// collection by ownerReferences, and the removal of pods stuck terminating (contract 4).
import { RESOURCES } from '../discovery.js';
import { kindKey, resourceFor, type Registry } from '../registry.js';
import { createDefaultServiceAccount } from '../resources/simple.js';
import type { KObject } from '../store.js';
import type { Controller } from './manager.js';

/** How long past its grace period a terminating pod may stay before the API server removes it. */
const STUCK_POD_EXTRA_MS = 10_000;

export const namespaceController: Controller = {
  name: 'namespace',
  reconcile(registry: Registry) {
    const nsInfo = resourceFor('namespaces');
    for (const ns of registry.list('namespaces')) {
      const name = ns.metadata.name;
      if (!ns.metadata.deletionTimestamp) {
        createDefaultServiceAccount(registry, name);
        continue;
      }
      let left = 0;
      for (const r of RESOURCES.filter((x) => x.namespaced)) {
        for (const o of registry.store.list(kindKey(r), name)) {
          left++;
          if (!o.metadata.deletionTimestamp) registry.delete(r, name, o.metadata.name, { propagationPolicy: 'Background' });
        }
      }
      if (left === 0) registry.store.remove(kindKey(nsInfo), undefined, name);
    }
  },
};

function ownerExists(registry: Registry, namespace: string, ref: KObject): boolean {
  const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
  const r = RESOURCES.find((x) => x.group === group && x.kind === ref.kind);
  if (!r) return true; // an owner kind we do not serve: never collect on its account
  const owner = registry.store.get(kindKey(r), r.namespaced ? namespace : undefined, ref.name);
  return !!owner && owner.metadata.uid === ref.uid;
}

export const garbageCollector: Controller = {
  name: 'garbagecollector',
  reconcile(registry: Registry) {
    for (const r of RESOURCES.filter((x) => x.namespaced)) {
      for (const o of registry.store.list(kindKey(r))) {
        const refs: KObject[] = o.metadata.ownerReferences ?? [];
        if (!refs.length || o.metadata.deletionTimestamp) continue;
        if (refs.every((ref) => !ownerExists(registry, o.metadata.namespace, ref))) {
          registry.delete(r, o.metadata.namespace, o.metadata.name, { propagationPolicy: 'Background' });
        }
      }
    }
  },
};

export const terminatingPods: Controller = {
  name: 'podgc',
  reconcile(registry: Registry) {
    const pods = resourceFor('pods');
    const now = Date.now();
    for (const pod of registry.list('pods')) {
      const ts = pod.metadata.deletionTimestamp;
      if (!ts) continue;
      const grace = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      // deletionTimestamp already lies `grace` in the future of the DELETE.
      const deadline = Date.parse(ts) + STUCK_POD_EXTRA_MS;
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (now >= deadline || (grace === 0 && finished)) {
        registry.store.remove(kindKey(pods), pod.metadata.namespace, pod.metadata.name);
      }
    }
  },
};
