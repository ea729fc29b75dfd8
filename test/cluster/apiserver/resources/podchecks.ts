// More of the API server's pod spec validation: subPath is relative without '..', hostAliases carry
// IPs, and downwardAPI volumes name only the metadata fields a volume may hold.
import type { KObject } from '../store.js';
import type { FieldError } from '../status.js';
import { ipToInt } from './services.js';

const VOLUME_FIELDS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function pathErrors(p: unknown, field: string): FieldError[] {
  if (typeof p !== 'string' || p === '') return [];
  if (p.startsWith('/')) return [{ field, type: 'FieldValueInvalid', value: JSON.stringify(p), detail: 'must be a relative path' }];
  if (p.split('/').includes('..')) return [{ field, type: 'FieldValueInvalid', value: JSON.stringify(p), detail: "must not contain '..'" }];
  return [];
}

function downwardErrors(items: KObject[] | undefined, at: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const item of items ?? []) {
    const fp = item.fieldRef?.fieldPath;
    if (fp === undefined || VOLUME_FIELDS.includes(fp) || /^metadata\.(labels|annotations)\['.+'\]$/.test(fp)) continue;
    errors.push({ field: `${at}.fieldRef.fieldPath`, type: 'FieldValueNotSupported', value: JSON.stringify(fp), detail: `supported values: ${VOLUME_FIELDS.map((f) => JSON.stringify(f)).join(', ')}` });
  }
  return errors;
}

export function extraPodSpecErrors(spec: KObject | undefined, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  (spec?.containers ?? []).forEach((c: KObject, i: number) => {
    (c.volumeMounts ?? []).forEach((m: KObject, j: number) => errors.push(...pathErrors(m.subPath, `${prefix}.containers[${i}].volumeMounts[${j}].subPath`)));
  });
  (spec?.hostAliases ?? []).forEach((a: KObject, i: number) => {
    if (ipToInt(String(a.ip ?? '')) === undefined) {
      errors.push({ field: `${prefix}.hostAliases[${i}].ip`, type: 'FieldValueInvalid', value: JSON.stringify(a.ip ?? ''), detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' });
    }
  });
  (spec?.volumes ?? []).forEach((v: KObject, i: number) => {
    if (v.downwardAPI) errors.push(...downwardErrors(v.downwardAPI.items, `${prefix}.volumes[${i}].downwardAPI`));
    (v.projected?.sources ?? []).forEach((s: KObject, j: number) => {
      if (s.downwardAPI) errors.push(...downwardErrors(s.downwardAPI.items, `${prefix}.volumes[${i}].projected.sources[${j}].downwardAPI`));
    });
  });
  return errors;
}
