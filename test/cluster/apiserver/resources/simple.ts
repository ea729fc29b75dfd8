// Defaults of the small kinds: namespaces (phase, the name label, a `default` ServiceAccount),
// secrets (type, stringData), nodes and pods (scheduling to tp-node, contract 3).
import { currentInstance } from '../../instance.js';
import type { KObject } from '../store.js';
import { resourceFor, type Registry } from '../registry.js';
import { invalid } from '../status.js';
import type { KindHooks } from './hooks.js';
import { defaultPodSpec, podSpecErrors, throwIfInvalid } from './podtemplate.js';
import { recordEvent } from '../controllers/events.js';

/** The default instance's node; a numbered instance's API server schedules to its own (instance.ts). */
export const NODE_NAME = 'tp-node';

export const namespaceHooks: KindHooks = {
  create(ns) {
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
    ns.spec = { finalizers: ['kubernetes'], ...(ns.spec ?? {}) };
    ns.status = { phase: 'Active' };
  },
  update(ns, old) {
    ns.status = old.status;
  },
};

/** Every new namespace gets its `default` ServiceAccount (the serviceaccount controller's job). */
export function createDefaultServiceAccount(registry: Registry, namespace: string): void {
  if (registry.find('serviceaccounts', namespace, 'default')) return;
  registry.create(resourceFor('serviceaccounts'), namespace, { metadata: { name: 'default' } });
}

function stringDataToData(secret: KObject): void {
  if (secret.stringData) {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v)).toString('base64');
    delete secret.stringData;
  }
}

export const secretHooks: KindHooks = {
  create(secret) {
    secret.type ??= 'Opaque';
    stringDataToData(secret);
  },
  update(secret, old) {
    secret.type ??= old.type;
    if (secret.type !== old.type) {
      throw invalid('Secret', '', secret.metadata.name, [{ field: 'type', type: 'FieldValueInvalid', value: JSON.stringify(secret.type), detail: 'field is immutable' }]);
    }
    stringDataToData(secret);
  },
};

export const podHooks: KindHooks = {
  create(pod, registry) {
    throwIfInvalid('Pod', '', pod.metadata.name, podSpecErrors(pod.spec, 'spec'));
    if (pod.spec.ephemeralContainers?.length) {
      throwIfInvalid('Pod', '', pod.metadata.name, [{ field: 'spec.ephemeralContainers', type: 'FieldValueForbidden', detail: 'cannot be set on create' }]);
    }
    defaultPodSpec(pod.spec);
    pod.spec.serviceAccountName ??= pod.spec.serviceAccount ?? 'default';
    pod.spec.serviceAccount = pod.spec.serviceAccountName;
    pod.spec.enableServiceLinks ??= true;
    pod.spec.priority ??= 0;
    pod.spec.nodeName ??= currentInstance().nodeName;
    const now = pod.metadata.creationTimestamp;
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now }],
      qosClass: 'BestEffort',
    };
    recordEvent(registry, pod, 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${pod.spec.nodeName}`, 'default-scheduler');
  },
  update(pod, old) {
    throwIfInvalid('Pod', '', pod.metadata.name, podSpecErrors(pod.spec, 'spec'));
    defaultPodSpec(pod.spec);
    pod.spec.nodeName ??= old.spec.nodeName;
    // Only pods/ephemeralcontainers changes them (resources/ephemeral.ts).
    if (old.spec.ephemeralContainers) pod.spec.ephemeralContainers = old.spec.ephemeralContainers;
    else delete pod.spec.ephemeralContainers;
  },
};

export const nodeHooks: KindHooks = {
  create(node) {
    node.spec ??= {};
    node.status ??= {};
  },
};
