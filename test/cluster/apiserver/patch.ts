// The three patch formats of the API: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch, the latter with the merge keys of the fields kubectl's set/scale/label/
// annotate/rollout/apply send. Pure.
import { badRequest, ApiError } from './status.js';
import { applyElementOrder } from './patch-order.js';

type Json = unknown;
type JsonMap = Record<string, Json>;

function isMap(v: Json): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// --- JSON patch -------------------------------------------------------------------------------

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): Json {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isMap(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: "${path}"`);
  }
  return cur;
}

function getAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  const v = Array.isArray(parent) ? parent[Number(last)] : (parent as JsonMap)[last];
  if (v === undefined) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing key: ${path}`);
  return v;
}

function removeAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  const old = getAt(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as JsonMap)[last];
  return old;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (replace) parent[idx] = value;
    else parent.splice(idx, 0, value);
  } else if (isMap(parent)) {
    if (replace && !(last in parent)) getAt(doc, path);
    parent[last] = value;
  }
  return doc;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const op of ops as JsonPatchOp[]) {
    switch (op.op) {
      case 'add': doc = addAt(doc, op.path, structuredClone(op.value), false); break;
      case 'replace': doc = addAt(doc, op.path, structuredClone(op.value), true); break;
      case 'remove': removeAt(doc, op.path); break;
      case 'move': doc = addAt(doc, op.path, removeAt(doc, op.from ?? ''), false); break;
      case 'copy': doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from ?? '')), false); break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
          throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${op.path} failed`);
        }
        break;
      default: throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

// --- strategic merge patch ------------------------------------------------------------------

/** Merge key of a list field, from the field's name and its parent's (Kubernetes' patchMergeKey tags). */
export function mergeKeyFor(parent: string, field: string): string | undefined {
  switch (field) {
    case 'containers': case 'initContainers': case 'ephemeralContainers': case 'env': case 'volumes':
    case 'imagePullSecrets': case 'resourceClaims': case 'schedulingGates':
      return 'name';
    case 'ports': return ['containers', 'initContainers', 'ephemeralContainers'].includes(parent) ? 'containerPort' : parent === 'spec' ? 'port' : undefined;
    case 'podIPs': case 'hostIPs': return 'ip';
    case 'volumeMounts': return 'mountPath';
    case 'volumeDevices': return 'devicePath';
    case 'conditions': case 'addresses': return 'type';
    case 'ownerReferences': return 'uid';
    case 'hostAliases': return 'ip';
    case 'topologySpreadConstraints': return 'topologyKey';
    default: return undefined;
  }
}

/** Primitive lists with patchStrategy merge: a patch adds to them instead of replacing them. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json, parent = '', field = ''): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') {
    const copy = { ...patch };
    delete copy.$patch;
    return strategicMergePatch({}, copy, parent, field);
  }
  if (directive === 'delete') return undefined;
  const out: JsonMap = isMap(target) ? { ...target } : {};
  let retain: string[] | undefined;
  const orders: [string, Json[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') {
      retain = v as string[];
      continue;
    }
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[name])) out[name] = (out[name] as Json[]).filter((x) => !(v as Json[]).includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, field, k);
      continue;
    }
    const merged = strategicMergePatch(out[k], v, field, k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  for (const [k, order] of orders) {
    const live = isMap(target) && Array.isArray(target[k]) ? (target[k] as Json[]) : [];
    if (Array.isArray(out[k])) out[k] = applyElementOrder(out[k] as Json[], order, live, mergeKeyFor(field, k));
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(current: Json, patch: Json[], parent: string, field: string): Json {
  const cur = Array.isArray(current) ? [...current] : [];
  if (patch.some((p) => isMap(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isMap(p) && p.$patch === 'replace')).map((p) => structuredClone(p));
  }
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    for (const p of patch) if (!cur.includes(p)) cur.push(p);
    return cur;
  }
  const key = mergeKeyFor(parent, field);
  if (!key || !patch.every(isMap)) return structuredClone(patch);
  for (const p of patch as JsonMap[]) {
    const idx = cur.findIndex((c) => isMap(c) && c[key] === p[key]);
    if (p.$patch === 'delete') {
      if (idx >= 0) cur.splice(idx, 1);
      continue;
    }
    if (idx >= 0) cur[idx] = strategicMergePatch(cur[idx], p, parent, field);
    else cur.push(strategicMergePatch({}, p, parent, field));
  }
  return cur;
}

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Applies a patch body of the given content type to an object. */
export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  const type = contentType.split(';')[0].trim();
  if (type === PATCH_TYPES.merge) return mergePatch(target, patch);
  if (type === PATCH_TYPES.strategic) return strategicMergePatch(target, patch);
  if (type === PATCH_TYPES.json) return jsonPatch(target, patch);
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
}
