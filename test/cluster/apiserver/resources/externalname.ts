// ExternalName Services: a DNS alias with no ClusterIP. The real API server's checks (externalName a
// DNS subdomain, no clusterIPs or IP families) and the fields it drops when a Service becomes one.
import type { KObject } from '../store.js';
import { invalid, type FieldError } from '../status.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_TEXT = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export function isExternalName(svc: KObject): boolean {
  return svc.spec?.type === 'ExternalName';
}

/** Throws 422 unless `svc` is a valid ExternalName Service. */
export function checkExternalName(svc: KObject): void {
  const spec = svc.spec;
  const errors: FieldError[] = [];
  // The value may end in a dot, to say it is fully qualified.
  const cname = String(spec.externalName ?? '').replace(/\.$/, '');
  if (!cname) errors.push({ field: 'spec.externalName', type: 'FieldValueRequired', detail: '' });
  else if (!SUBDOMAIN.test(cname) || cname.length > 253) {
    errors.push({ field: 'spec.externalName', type: 'FieldValueInvalid', value: JSON.stringify(cname), detail: SUBDOMAIN_TEXT });
  }
  const ips: string[] = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
  if (ips.length) errors.push({ field: 'spec.clusterIPs', type: 'FieldValueForbidden', detail: 'may not be set for ExternalName services' });
  if (spec.ipFamilies?.length) errors.push({ field: 'spec.ipFamilies', type: 'FieldValueForbidden', detail: 'may not be set for ExternalName services' });
  if (spec.ipFamilyPolicy) errors.push({ field: 'spec.ipFamilyPolicy', type: 'FieldValueForbidden', detail: 'may not be set for ExternalName services' });
  if (errors.length) throw invalid('Service', '', svc.metadata.name, errors);
}

/** A Service turned ExternalName loses the allocated fields it still carries unchanged (dropTypeDependentFields). */
export function dropTypeDependentFields(svc: KObject, old: KObject): void {
  const spec = svc.spec;
  const same = (k: string) => spec[k] === undefined || JSON.stringify(spec[k]) === JSON.stringify(old.spec?.[k]);
  for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) if (same(k)) delete spec[k];
  for (const p of spec.ports ?? []) delete p.nodePort;
}

