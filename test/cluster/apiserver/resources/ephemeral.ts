// pods/ephemeralcontainers: the subresource `kubectl debug` patches (strategic merge of the Pod) or
// replaces. Only spec.ephemeralContainers changes; existing ones may be neither changed nor removed,
// and the real API server's field checks apply. Answers the whole Pod.
import type { IncomingMessage } from 'node:http';
import { readJson } from '../http.js';
import { applyPatch } from '../patch.js';
import { kindKey, resourceFor, type Registry } from '../registry.js';
import { badRequest, conflict, invalid, methodNotAllowed, type FieldError } from '../status.js';
import type { KObject } from '../store.js';
import { canonical } from '../controllers/owners.js';
import { defaultContainer } from './podtemplate.js';

const NOT_FOR_EPHEMERAL = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy', 'restartPolicy'];

/** The field errors of a new list of ephemeral containers against the pod's current one. */
export function ephemeralErrors(pod: KObject, next: KObject[]): FieldError[] {
  const errors: FieldError[] = [];
  const old: KObject[] = pod.spec.ephemeralContainers ?? [];
  const appNames = new Set<string>([...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].map((c: KObject) => c.name));
  const seen = new Set<string>();
  next.forEach((c, i) => {
    const at = `spec.ephemeralContainers[${i}]`;
    if (!c.name) errors.push({ field: `${at}.name`, type: 'FieldValueRequired', detail: '' });
    else if (appNames.has(c.name) || seen.has(c.name)) errors.push({ field: `${at}.name`, type: 'FieldValueDuplicate', value: JSON.stringify(c.name), detail: '' });
    seen.add(c.name);
    if (!c.image) errors.push({ field: `${at}.image`, type: 'FieldValueRequired', detail: '' });
    for (const f of NOT_FOR_EPHEMERAL) if (c[f] !== undefined && canonical(c[f]) !== '{}') errors.push({ field: `${at}.${f}`, type: 'FieldValueForbidden', detail: 'cannot be set for an Ephemeral Container' });
    if (c.targetContainerName && !appNames.has(c.targetContainerName)) {
      errors.push({ field: `${at}.targetContainerName`, type: 'FieldValueNotFound', value: JSON.stringify(c.targetContainerName), detail: '' });
    }
    const before = old.find((o) => o.name === c.name);
    if (before && canonical(before) !== canonical(c)) {
      errors.push({ field: at, type: 'FieldValueForbidden', detail: `existing ephemeral containers ${JSON.stringify(c.name)} may not be changed` });
    }
  });
  for (const o of old) {
    if (!next.some((c) => c.name === o.name)) {
      errors.push({ field: 'spec.ephemeralContainers', type: 'FieldValueForbidden', detail: `existing ephemeral containers ${JSON.stringify(o.name)} may not be removed` });
    }
  }
  return errors;
}

/** GET, PUT or PATCH of pods/NAME/ephemeralcontainers. */
export async function serveEphemeralContainers(registry: Registry, req: IncomingMessage, ns: string | undefined, name: string): Promise<KObject> {
  const info = resourceFor('pods');
  const pod = registry.get(info, ns, name);
  const method = req.method ?? 'GET';
  if (method === 'GET') return pod;
  let proposed: KObject;
  if (method === 'PUT') {
    proposed = (await readJson(req)) as KObject;
    if (!proposed || typeof proposed !== 'object') throw badRequest('the body of the request is not an object');
    const rv = proposed.metadata?.resourceVersion;
    if (rv && rv !== pod.metadata.resourceVersion) {
      throw conflict({ group: '', resource: 'pods' }, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
  } else if (method === 'PATCH') {
    proposed = applyPatch(req.headers['content-type'] ?? '', pod, await readJson(req)) as KObject;
  } else throw methodNotAllowed();
  const next: KObject[] = structuredClone(proposed.spec?.ephemeralContainers ?? []);
  for (const c of next) {
    defaultContainer(c);
    c.terminationMessagePolicy ??= 'File';
  }
  const errors = ephemeralErrors(pod, next);
  if (errors.length) throw invalid('Pod', '', name, errors);
  if (canonical(next) === canonical(pod.spec.ephemeralContainers ?? [])) return pod;
  const updated = { ...pod, spec: { ...pod.spec, ephemeralContainers: next } };
  return registry.store.update(kindKey(info), updated);
}
