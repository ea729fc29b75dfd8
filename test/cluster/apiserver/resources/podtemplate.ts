// Defaults of a pod spec, shared by Pods and by the templates of Deployments and ReplicaSets
// (the API server applies them to both, so a template change is seen exactly once).
import type { KObject } from '../store.js';
import { invalid, type FieldError } from '../status.js';
import { extraPodSpecErrors } from './podchecks.js';

function imagePullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image;
  if (last.includes('@')) return 'IfNotPresent';
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function defaultContainer(c: KObject): void {
  c.imagePullPolicy ??= imagePullPolicy(String(c.image ?? ''));
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
}

export function defaultPodSpec(spec: KObject): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 0o644;
    if (v.secret) v.secret.defaultMode ??= 0o644;
    if (v.downwardAPI) v.downwardAPI.defaultMode ??= 0o644;
    if (v.projected) v.projected.defaultMode ??= 0o644;
    for (const item of [...(v.downwardAPI?.items ?? []), ...(v.projected?.sources ?? []).flatMap((s: KObject) => s.downwardAPI?.items ?? [])]) {
      if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
    }
    for (const src of v.projected?.sources ?? []) if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
  }
}

/** Field errors of a pod spec under `prefix` (e.g. `spec.template.spec`). */
export function podSpecErrors(spec: KObject | undefined, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errors.push({ field: `${prefix}.containers`, type: 'FieldValueRequired', detail: '' });
    return errors;
  }
  const seen = new Set<string>();
  containers.forEach((c: KObject, i: number) => {
    const at = `${prefix}.containers[${i}]`;
    if (!c.name) errors.push({ field: `${at}.name`, type: 'FieldValueRequired', detail: '' });
    else if (seen.has(c.name)) errors.push({ field: `${at}.name`, type: 'FieldValueDuplicate', value: JSON.stringify(c.name), detail: '' });
    seen.add(c.name);
    if (!c.image) errors.push({ field: `${at}.image`, type: 'FieldValueRequired', detail: '' });
  });
  errors.push(...extraPodSpecErrors(spec, prefix));
  const policy = spec?.restartPolicy;
  if (policy && !['Always', 'OnFailure', 'Never'].includes(policy)) {
    errors.push({ field: `${prefix}.restartPolicy`, type: 'FieldValueNotSupported', value: JSON.stringify(policy), detail: 'supported values: "Always", "Never", "OnFailure"' });
  }
  return errors;
}

export function throwIfInvalid(kind: string, group: string, name: string, errors: FieldError[]): void {
  if (errors.length) throw invalid(kind, group, name, errors);
}
