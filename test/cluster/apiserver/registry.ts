// The generic REST semantics over the store: create (names, uid, generation), update with
// resourceVersion conflicts, status subresources, patch, and delete with graceful pod deletion
// (contract 4) and finalizers. Handlers and controllers both go through it.
import { randomBytes, randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceInfo, RESOURCES } from './discovery.js';
import { applyPatch } from './patch.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound, type GroupResource } from './status.js';
import { Store, type KObject } from './store.js';
import type { KindHooks } from './resources/hooks.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Kinds whose spec changes bump metadata.generation (the controllers report observedGeneration). */
const GENERATION_KINDS = new Set(['deployments', 'replicasets', 'statefulsets']);
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function randomSuffix(n: number): string {
  const bytes = randomBytes(n);
  return [...bytes].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
}

export function kindKey(r: ResourceInfo): string {
  return `${r.group}/${r.resource}`;
}

export function gr(r: ResourceInfo): GroupResource {
  return { group: r.group, resource: r.resource };
}

export function resourceFor(kindName: string): ResourceInfo {
  const r = RESOURCES.find((x) => x.resource === kindName);
  if (!r) throw new Error(`unknown resource ${kindName}`);
  return r;
}

export class Registry {
  readonly hooks = new Map<string, KindHooks>();
  private dryRun = false;

  constructor(readonly store: Store) {}

  /** Runs `fn` (synchronous registry calls) with every store write skipped: `?dryRun=All`. */
  dryRunOf<T>(fn: () => T): T {
    this.dryRun = true;
    try {
      return fn();
    } finally {
      this.dryRun = false;
    }
  }

  private add(kind: string, obj: KObject): KObject {
    return this.dryRun ? obj : this.store.add(kind, obj);
  }

  private put(kind: string, obj: KObject): KObject {
    return this.dryRun ? obj : this.store.update(kind, obj);
  }

  private drop(kind: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.dryRun ? this.store.get(kind, namespace, name) : this.store.remove(kind, namespace, name);
  }

  get(r: ResourceInfo, ns: string | undefined, name: string): KObject {
    const obj = this.store.get(kindKey(r), r.namespaced ? ns : undefined, name);
    if (!obj) throw notFound(gr(r), name);
    return obj;
  }

  find(resource: string, ns: string | undefined, name: string): KObject | undefined {
    const r = resourceFor(resource);
    return this.store.get(kindKey(r), r.namespaced ? ns : undefined, name);
  }

  list(resource: string, ns?: string): KObject[] {
    const r = resourceFor(resource);
    return this.store.list(kindKey(r), r.namespaced ? ns : undefined);
  }

  create(r: ResourceInfo, ns: string | undefined, body: KObject): KObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request is not an object');
    const obj: KObject = structuredClone(body);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const meta: KObject = (obj.metadata ??= {});
    if (r.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns ?? meta.namespace ?? 'default';
      const nsObj = this.store.get('/namespaces', undefined, meta.namespace);
      if (!nsObj) throw notFound({ group: '', resource: 'namespaces' }, meta.namespace);
      if (nsObj.metadata.deletionTimestamp) {
        throw new ApiError(403, 'Forbidden', `${r.resource} "${meta.name ?? meta.generateName}" is forbidden: unable to create new content in namespace ${meta.namespace} because it is being terminated`);
      }
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) {
      // Like the API server, retry a generated name that happens to be taken.
      for (let i = 0; i < 8 && !meta.name; i++) {
        const candidate = `${meta.generateName}${randomSuffix(5)}`;
        if (!this.store.get(kindKey(r), meta.namespace, candidate)) meta.name = candidate;
      }
    }
    if (!meta.name) {
      throw invalid(r.kind, r.group, '', [{ field: 'metadata.name', type: 'FieldValueRequired', detail: 'name or generateName is required' }]);
    }
    const pattern = r.resource === 'namespaces' || r.resource === 'services' ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!pattern.test(meta.name) || meta.name.length > 253) {
      const what = pattern === DNS_LABEL
        ? `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
        : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
      throw invalid(r.kind, r.group, meta.name, [{ field: 'metadata.name', type: 'FieldValueInvalid', value: JSON.stringify(meta.name), detail: what }]);
    }
    if (this.store.get(kindKey(r), meta.namespace, meta.name)) throw alreadyExists(gr(r), meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (GENERATION_KINDS.has(r.resource)) meta.generation = 1;
    this.hooks.get(r.resource)?.create?.(obj, this);
    return this.add(kindKey(r), obj);
  }

  /** PUT of the main resource (`sub` undefined) or of its status subresource. */
  update(r: ResourceInfo, ns: string | undefined, name: string, body: KObject, sub?: 'status'): KObject {
    const old = this.get(r, ns, name);
    if (!body || typeof body !== 'object') throw badRequest('the body of the request is not an object');
    const bodyName = body.metadata?.name;
    if (bodyName && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    const rv = body.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) {
      throw conflict(gr(r), name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    let obj: KObject;
    if (sub === 'status') {
      obj = { ...old, status: structuredClone(body.status) };
    } else {
      obj = structuredClone(body);
      obj.apiVersion = apiVersionOf(r);
      obj.kind = r.kind;
      obj.metadata = { ...(obj.metadata ?? {}) };
      for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
        if (old.metadata[k] === undefined) delete obj.metadata[k];
        else obj.metadata[k] = old.metadata[k];
      }
      if ('status' in old && r.subresources.status) obj.status = old.status;
      if (GENERATION_KINDS.has(r.resource) && JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) {
        obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
      }
      this.hooks.get(r.resource)?.update?.(obj, old, this);
    }
    const finalized = obj.metadata.deletionTimestamp && !(obj.metadata.finalizers?.length) && r.resource !== 'namespaces';
    if (finalized && (r.resource !== 'pods' || obj.metadata.deletionGracePeriodSeconds === 0)) {
      return this.drop(kindKey(r), obj.metadata.namespace, name) ?? obj;
    }
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (JSON.stringify(obj) === JSON.stringify(old)) return old; // a no-op write keeps its resourceVersion
    return this.put(kindKey(r), obj);
  }

  patch(r: ResourceInfo, ns: string | undefined, name: string, contentType: string, patch: unknown, sub?: 'status'): KObject {
    const old = this.get(r, ns, name);
    const patched = applyPatch(contentType, old, patch) as KObject;
    const wantsRv = patched.metadata?.resourceVersion !== old.metadata.resourceVersion;
    const body = { ...patched, metadata: { ...patched.metadata, resourceVersion: wantsRv ? patched.metadata?.resourceVersion : undefined } };
    return this.update(r, ns, name, body, sub);
  }

  /** DELETE: returns the object as the API answers (terminating pods stay, with deletionTimestamp). */
  delete(r: ResourceInfo, ns: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    const old = this.get(r, ns, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== old.metadata.uid) {
      throw conflict(gr(r), name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    const key = kindKey(r);
    const isPod = r.resource === 'pods';
    const terminal = old.status?.phase === 'Succeeded' || old.status?.phase === 'Failed';
    // Pods on a node get their grace period (contract 4); unscheduled or finished ones go at once.
    const grace = isPod && old.spec?.nodeName && !terminal ? (opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30) : 0;
    if (grace > 0 || r.resource === 'namespaces' || old.metadata.finalizers?.length) {
      const shorter = isPod && old.metadata.deletionTimestamp && grace < (old.metadata.deletionGracePeriodSeconds ?? 0);
      if (old.metadata.deletionTimestamp && !shorter) return old;
      old.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      if (isPod) old.metadata.deletionGracePeriodSeconds = grace;
      if (r.resource === 'namespaces') old.status = { ...(old.status ?? {}), phase: 'Terminating' };
      if (opts.propagationPolicy === 'Orphan') this.orphanDependents(old);
      if (isPod && grace === 0 && !old.metadata.finalizers?.length) return this.drop(key, old.metadata.namespace, name) ?? old;
      return this.put(key, old);
    }
    const removed = this.drop(key, old.metadata.namespace, name) ?? old;
    if (opts.propagationPolicy === 'Orphan') this.orphanDependents(old);
    if (!this.dryRun) this.hooks.get(r.resource)?.removed?.(removed, this);
    return removed;
  }

  /** Drops ownerReferences that point at `owner`, so the garbage collector leaves the dependents. */
  orphanDependents(owner: KObject): void {
    for (const r of RESOURCES.filter((x) => x.namespaced)) {
      for (const o of this.store.list(kindKey(r), owner.metadata.namespace)) {
        const refs: KObject[] = o.metadata.ownerReferences ?? [];
        if (!refs.some((x) => x.uid === owner.metadata.uid)) continue;
        o.metadata.ownerReferences = refs.filter((x) => x.uid !== owner.metadata.uid);
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        this.put(kindKey(r), o);
      }
    }
  }
}
