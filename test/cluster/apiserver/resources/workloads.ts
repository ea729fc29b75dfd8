// Deployments and ReplicaSets: defaults, the selector/template-labels check, and the Scale
// subresource view (autoscaling/v1) of both.
import type { KObject } from '../store.js';
import { matchLabels, selectorRequirements } from '../selectors.js';
import type { FieldError } from '../status.js';
import type { KindHooks } from './hooks.js';
import { defaultPodSpec, podSpecErrors, throwIfInvalid } from './podtemplate.js';

function goMap(m: Record<string, string>): string {
  return `map[string]string{${Object.entries(m).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
}

export function workloadErrors(obj: KObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = obj.spec ?? {};
  const sel = spec.selector;
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) {
    errors.push({ field: 'spec.selector', type: 'FieldValueRequired', detail: '' });
  } else {
    const labels = spec.template?.metadata?.labels ?? {};
    if (!matchLabels(selectorRequirements(sel), labels)) {
      errors.push({ field: 'spec.template.metadata.labels', type: 'FieldValueInvalid', value: goMap(labels), detail: '`selector` does not match template `labels`' });
    }
  }
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    errors.push({ field: 'spec.replicas', type: 'FieldValueInvalid', value: String(spec.replicas), detail: 'must be greater than or equal to 0' });
  }
  errors.push(...podSpecErrors(spec.template?.spec, 'spec.template.spec'));
  return errors;
}

function defaults(obj: KObject, kind: string): void {
  obj.spec ??= {};
  const spec = obj.spec;
  spec.replicas ??= 1;
  spec.template ??= {};
  spec.template.metadata ??= {};
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
  if (kind === 'Deployment') {
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate' };
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...(spec.strategy.rollingUpdate ?? {}) };
    }
  }
}

export function workloadHooks(kind: 'Deployment' | 'ReplicaSet'): KindHooks {
  return {
    create(obj) {
      obj.spec ??= {};
      // apps/v1 requires a selector; an empty template label set fails the match below.
      throwIfInvalid(kind, 'apps', obj.metadata.name, workloadErrors(obj));
      defaults(obj, kind);
      obj.status ??= {};
    },
    update(obj, old) {
      throwIfInvalid(kind, 'apps', obj.metadata.name, workloadErrors(obj));
      if (JSON.stringify(obj.spec.selector) !== JSON.stringify(old.spec.selector)) {
        throwIfInvalid(kind, 'apps', obj.metadata.name, [{ field: 'spec.selector', type: 'FieldValueInvalid', value: 'v1.LabelSelector{...}', detail: 'field is immutable' }]);
      }
      defaults(obj, kind);
    },
  };
}

export function selectorString(sel: KObject | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const op = String(e.operator).toLowerCase();
    if (op === 'in' || op === 'notin') parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
    else if (op === 'exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function scaleOf(obj: KObject): KObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec.replicas },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec.selector) },
  };
}
