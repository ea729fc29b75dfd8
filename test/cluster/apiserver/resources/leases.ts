// Leases (coordination.k8s.io/v1): the spec validation of the real API server and its MicroTime
// fields (acquireTime, renewTime), which it parses with exactly six fractional digits and writes in UTC.
import type { KObject } from '../store.js';
import { ApiError, invalid, type FieldError } from '../status.js';
import type { KindHooks } from './hooks.js';

const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
const MICRO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{6})(Z|[+-]\d\d:\d\d)$/;

/**
 * A MicroTime as the API server stores it (`2026-01-02T03:04:05.123456Z`), or the decode error
 * Go's time.Parse gives for it (a plain Date's three digits fail, as they do on a real cluster).
 */
export function parseMicroTime(value: string): string | { error: string } {
  const m = MICRO.exec(value);
  if (!m) {
    const head = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.exec(value);
    let valueElem = value;
    let layoutElem = '2006';
    if (head) {
      const rest = value.slice(head[0].length);
      const frac = /^\.\d{6}/.exec(rest);
      valueElem = frac ? rest.slice(frac[0].length) : rest;
      layoutElem = frac ? 'Z07:00' : '.000000';
    }
    return { error: `parsing time ${JSON.stringify(value)} as ${JSON.stringify(MICRO_LAYOUT)}: cannot parse ${JSON.stringify(valueElem)} as ${JSON.stringify(layoutElem)}` };
  }
  const [, base, frac, zone] = m;
  const ms = Date.parse(`${base}${zone}`);
  if (Number.isNaN(ms)) return { error: `parsing time ${JSON.stringify(value)}: month, day or hour out of range` };
  return `${new Date(ms).toISOString().slice(0, 19)}${frac}Z`;
}

function normalizeTimes(lease: KObject): void {
  for (const field of ['acquireTime', 'renewTime']) {
    const v = lease.spec?.[field];
    if (v === undefined || v === null) continue;
    const parsed = typeof v === 'string' ? parseMicroTime(v) : { error: `json: cannot unmarshal ${typeof v} into Go struct field LeaseSpec.spec.${field} of type string` };
    if (typeof parsed !== 'string') throw new ApiError(400, 'BadRequest', `Lease in version "v1" cannot be handled as a Lease: ${parsed.error}`);
    lease.spec[field] = parsed;
  }
}

function specErrors(spec: KObject): FieldError[] {
  const errors: FieldError[] = [];
  const intField = (name: string, ok: (n: number) => boolean, detail: string) => {
    const v = spec[name];
    if (v === undefined || v === null) return;
    if (!Number.isInteger(v) || !ok(v)) errors.push({ field: `spec.${name}`, type: 'FieldValueInvalid', value: String(v), detail });
  };
  intField('leaseDurationSeconds', (n) => n > 0, 'must be greater than 0');
  intField('leaseTransitions', (n) => n >= 0, 'must be greater than or equal to 0');
  return errors;
}

function check(lease: KObject): void {
  lease.spec ??= {};
  // Fields of the CoordinatedLeaderElection gate, off by default in 1.32: the server drops them.
  delete lease.spec.strategy;
  delete lease.spec.preferredHolder;
  normalizeTimes(lease);
  const errors = specErrors(lease.spec);
  if (errors.length) throw invalid('Lease', 'coordination.k8s.io', lease.metadata.name, errors);
}

export const leaseHooks: KindHooks = {
  create: check,
  update: check,
};
