// StatefulSets (apps/v1): the defaults and validation of the real API server, including which spec
// fields an update may change. Pods, names and status are the controller's (controllers/statefulset.ts).
import type { KObject } from '../store.js';
import type { FieldError } from '../status.js';
import { canonical } from '../controllers/owners.js';
import type { KindHooks } from './hooks.js';
import { defaultPodSpec, throwIfInvalid } from './podtemplate.js';
import { workloadErrors } from './workloads.js';

function defaults(sts: KObject): void {
  const spec = sts.spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate = { partition: 0, ...(spec.updateStrategy.rollingUpdate ?? {}) };
  }
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain', ...(spec.persistentVolumeClaimRetentionPolicy ?? {}) };
  spec.template ??= {};
  spec.template.metadata ??= {};
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
}

function errors(sts: KObject): FieldError[] {
  const out = workloadErrors(sts);
  const spec = sts.spec;
  if (spec.podManagementPolicy !== undefined && !['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy)) {
    out.push({ field: 'spec.podManagementPolicy', type: 'FieldValueNotSupported', value: JSON.stringify(spec.podManagementPolicy), detail: 'supported values: "OrderedReady", "Parallel"' });
  }
  const type = spec.updateStrategy?.type;
  if (type !== undefined && !['RollingUpdate', 'OnDelete'].includes(type)) {
    out.push({ field: 'spec.updateStrategy.type', type: 'FieldValueNotSupported', value: JSON.stringify(type), detail: 'supported values: "OnDelete", "RollingUpdate"' });
  }
  const start = spec.ordinals?.start;
  if (start !== undefined && (!Number.isInteger(start) || start < 0)) {
    out.push({ field: 'spec.ordinals.start', type: 'FieldValueInvalid', value: String(start), detail: 'must be greater than or equal to 0' });
  }
  return out;
}

/** The fields an update may change, as the API server's ValidateStatefulSetUpdate allows. */
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function frozen(spec: KObject): string {
  return canonical(Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !MUTABLE.includes(k))));
}

export const statefulSetHooks: KindHooks = {
  create(sts) {
    sts.spec ??= {};
    throwIfInvalid('StatefulSet', 'apps', sts.metadata.name, errors(sts));
    defaults(sts);
    sts.status = { replicas: 0, availableReplicas: 0 };
  },
  update(sts, old) {
    sts.spec ??= {};
    throwIfInvalid('StatefulSet', 'apps', sts.metadata.name, errors(sts));
    defaults(sts);
    if (frozen(sts.spec) !== frozen(old.spec)) {
      throwIfInvalid('StatefulSet', 'apps', sts.metadata.name, [{ field: 'spec', type: 'FieldValueForbidden', detail:
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" }]);
    }
  },
};
