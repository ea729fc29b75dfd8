// The resource endpoints: get, list (+watch), create, update, patch, delete and deletecollection
// of a resource, its status and its scale, with Table output when kubectl asks for it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from './discovery.js';
import { apiVersionOf } from './discovery.js';
import { boolParam, intParam, readJson, sendJson } from './http.js';
import { gr, kindKey, type DeleteOptions, type Registry } from './registry.js';
import { scaleOf } from './resources/workloads.js';
import { matchLabels, parseLabelSelector } from './selectors.js';
import { fieldSelectorFilter } from './fieldlabels.js';
import { badRequest, methodNotAllowed, notFound } from './status.js';
import type { KObject } from './store.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';
import { applyPatch, PATCH_TYPES } from './patch.js';
import { validateFields } from './fieldvalidation.js';

export interface ResourceRoute {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function selectorFilter(info: ResourceInfo, q: URLSearchParams): (o: KObject) => boolean {
  const labels = parseLabelSelector(q.get('labelSelector') ?? '');
  const fields = fieldSelectorFilter(info.resource, q.get('fieldSelector') ?? '');
  return (o) => matchLabels(labels, o.metadata?.labels) && fields(o);
}

function deleteOptions(q: URLSearchParams, body: KObject | undefined): DeleteOptions {
  const opts: DeleteOptions = {};
  const grace = intParam(q, 'gracePeriodSeconds') ?? body?.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) opts.gracePeriodSeconds = Number(grace);
  const policy = q.get('propagationPolicy') ?? body?.propagationPolicy ?? (body?.orphanDependents === true ? 'Orphan' : undefined);
  if (policy) opts.propagationPolicy = policy;
  if (body?.preconditions) opts.preconditions = body.preconditions;
  return opts;
}

function send(res: ServerResponse, req: IncomingMessage, route: ResourceRoute, code: number, obj: KObject, q: URLSearchParams): void {
  if (wantsTable(req.headers.accept) && obj.kind === route.info.kind) {
    sendJson(res, code, toTable(route.info, [obj], obj.metadata.resourceVersion, q.get('includeObject')));
  } else sendJson(res, code, obj);
}

export async function handleResource(registry: Registry, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const { info, namespace: ns, name, subresource: sub } = route;
  const method = req.method ?? 'GET';
  const dryRun = q.getAll('dryRun').includes('All');
  if (sub && sub !== 'status' && sub !== 'scale') throw notFound(gr(info), `${name}/${sub}`);
  if (sub && !info.subresources[sub]) throw badRequest(`the server could not find the requested resource`);

  if (!name) {
    if (method === 'GET') {
      const matches = selectorFilter(info, q);
      if (boolParam(q, 'watch')) {
        serveWatch(req, res, registry.store, info, { namespace: info.namespaced ? ns : undefined, matches }, {
          resourceVersion: q.get('resourceVersion') ?? undefined,
          timeoutSeconds: intParam(q, 'timeoutSeconds'),
          bookmarks: boolParam(q, 'allowWatchBookmarks'),
          sendInitialEvents: q.has('sendInitialEvents') ? boolParam(q, 'sendInitialEvents') : undefined,
          table: wantsTable(req.headers.accept),
          includeObject: q.get('includeObject'),
        });
        return;
      }
      const items = registry.store.list(kindKey(info), info.namespaced ? ns : undefined).filter(matches);
      const rv = String(registry.store.currentRv());
      if (wantsTable(req.headers.accept)) {
        sendJson(res, 200, toTable(info, items, rv, q.get('includeObject')));
        return;
      }
      sendJson(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: rv }, items });
      return;
    }
    if (method === 'POST') {
      const body = (await readJson(req)) as KObject;
      validateFields(res, info, q, body);
      const create = () => registry.create(info, info.namespaced ? ns : undefined, body);
      const created = dryRun ? registry.dryRunOf(create) : create();
      send(res, req, route, 201, created, q);
      return;
    }
    if (method === 'DELETE') {
      const body = (await readJson(req)) as KObject | undefined;
      const matches = selectorFilter(info, q);
      const items = registry.store.list(kindKey(info), info.namespaced ? ns : undefined).filter(matches);
      const opts = deleteOptions(q, body);
      const deleted = items.map((o) => registry.delete(info, o.metadata.namespace, o.metadata.name, opts));
      sendJson(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(registry.store.currentRv()) }, items: deleted });
      return;
    }
    throw methodNotAllowed();
  }

  if (sub === 'scale') {
    await handleScale(registry, req, res, route, dryRun);
    return;
  }
  const status = sub === 'status' ? 'status' : undefined;
  if (method === 'GET' && !sub && boolParam(q, 'watch')) {
    // The old single-object watch form: a list watch narrowed to the name.
    q.set('fieldSelector', [q.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(','));
    await handleResource(registry, req, res, { info, namespace: ns }, q);
    return;
  }
  switch (method) {
    case 'GET':
      send(res, req, route, 200, registry.get(info, ns, name), q);
      return;
    case 'PUT': {
      const body = (await readJson(req)) as KObject;
      validateFields(res, info, q, body);
      const update = () => registry.update(info, ns, name, body, status);
      send(res, req, route, 200, dryRun ? registry.dryRunOf(update) : update(), q);
      return;
    }
    case 'PATCH': {
      const type = req.headers['content-type'] ?? '';
      // An apply patch is refused before its YAML body is read, as by a server without server-side apply.
      if (type.startsWith(PATCH_TYPES.apply)) {
        req.resume();
        applyPatch(type, {}, {});
      }
      const patch = await readJson(req);
      validateFields(res, info, q, patch, type, () => applyPatch(type, registry.get(info, ns, name), patch));
      const apply = () => registry.patch(info, ns, name, type, patch, status);
      send(res, req, route, 200, dryRun ? registry.dryRunOf(apply) : apply(), q);
      return;
    }
    case 'DELETE': {
      if (status) throw methodNotAllowed();
      const body = (await readJson(req)) as KObject | undefined;
      const remove = () => registry.delete(info, ns, name, deleteOptions(q, body));
      const result = dryRun || body?.dryRun?.includes('All') ? registry.dryRunOf(remove) : remove();
      // A finished deletion answers with the object (as the API server does for most kinds);
      // one that is still graceful also answers with the object, now carrying deletionTimestamp.
      sendJson(res, 200, result);
      return;
    }
    default:
      throw methodNotAllowed();
  }
}

async function handleScale(registry: Registry, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, dryRun: boolean): Promise<void> {
  const { info, namespace: ns, name } = route;
  const obj = registry.get(info, ns, name as string);
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    sendJson(res, 200, scaleOf(obj));
    return;
  }
  let scale: KObject;
  if (method === 'PUT') scale = (await readJson(req)) as KObject;
  else if (method === 'PATCH') scale = applyPatch(req.headers['content-type'] ?? '', scaleOf(obj), await readJson(req)) as KObject;
  else throw methodNotAllowed();
  const replicas = scale?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(`invalid replicas ${JSON.stringify(replicas)}: must be a non-negative integer`);
  }
  const rv = scale.metadata?.resourceVersion;
  const update = () => registry.update(info, ns, name as string, {
    ...obj, metadata: { ...obj.metadata, resourceVersion: rv || undefined }, spec: { ...obj.spec, replicas },
  });
  const updated = dryRun ? registry.dryRunOf(update) : update();
  sendJson(res, 200, scaleOf(updated));
}
