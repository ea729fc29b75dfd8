// The StatefulSet controller: applies planStatefulSet for every StatefulSet (create NAME-<ordinal>
// pods, delete surplus, outdated and finished ones), records the controller's events and writes status.
import { resourceFor, type Registry } from '../registry.js';
import type { Controller } from './manager.js';
import { canonical, controllerRef, isControlledBy } from './owners.js';
import { recordEvent } from './events.js';
import { planStatefulSet, podForOrdinal } from './statefulset-plan.js';

const COMPONENT = 'statefulset-controller';

export const statefulSetController: Controller = {
  name: 'statefulset',
  reconcile(registry: Registry) {
    const stsInfo = resourceFor('statefulsets');
    const podInfo = resourceFor('pods');
    for (const sts of registry.list('statefulsets')) {
      if (sts.metadata.deletionTimestamp) continue;
      const ns = sts.metadata.namespace;
      const name = sts.metadata.name;
      const pods = registry.list('pods', ns).filter((p) => isControlledBy(p, sts));
      const plan = planStatefulSet(sts, pods);
      for (const ordinal of plan.create) {
        const pod = registry.create(podInfo, ns, podForOrdinal(sts, ordinal, controllerRef(sts)));
        recordEvent(registry, sts, 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${name} successful`, COMPONENT);
      }
      for (const podName of plan.delete) {
        registry.delete(podInfo, ns, podName, {});
        recordEvent(registry, sts, 'SuccessfulDelete', `delete Pod ${podName} in StatefulSet ${name} successful`, COMPONENT);
      }
      if (canonical(plan.status) !== canonical(sts.status ?? {})) {
        registry.update(stsInfo, ns, name, { ...sts, status: plan.status }, 'status');
      }
    }
  },
};
