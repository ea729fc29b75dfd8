// events.k8s.io/v1: the same stored Events as core/v1, converted on the way in and out as the API
// server does (message <-> note, involvedObject <-> regarding, count/firstTimestamp/lastTimestamp/
// source <-> deprecated*), with its field labels mapped to core's (regarding.name -> involvedObject.name).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findResource, type ResourceInfo } from './discovery.js';
import { boolParam, intParam, readJson, sendJson } from './http.js';
import { applyPatch } from './patch.js';
import { kindKey, type Registry } from './registry.js';
import type { ResourceRoute } from './rest.js';
import { fieldSelectorFilter } from './fieldlabels.js';
import { validateFields } from './fieldvalidation.js';
import { matchLabels, parseLabelSelector } from './selectors.js';
import { methodNotAllowed } from './status.js';
import type { KObject } from './store.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

// [core field, events.k8s.io/v1 field]
const FIELDS: [string, string][] = [
  ['eventTime', 'eventTime'], ['series', 'series'], ['reportingComponent', 'reportingController'], ['reportingInstance', 'reportingInstance'],
  ['action', 'action'], ['reason', 'reason'], ['involvedObject', 'regarding'], ['related', 'related'], ['message', 'note'], ['type', 'type'],
  ['source', 'deprecatedSource'], ['firstTimestamp', 'deprecatedFirstTimestamp'], ['lastTimestamp', 'deprecatedLastTimestamp'], ['count', 'deprecatedCount'],
];

const empty = (v: unknown) => v === undefined || v === null || v === '' || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

function convert(obj: KObject, apiVersion: string, from: 0 | 1): KObject {
  const out: KObject = { kind: 'Event', apiVersion, metadata: obj.metadata };
  for (const pair of FIELDS) if (!empty(obj[pair[from]])) out[pair[1 - from]] = obj[pair[from]];
  return out;
}

export const toEventsV1 = (core: KObject): KObject => convert(core, 'events.k8s.io/v1', 0);
export const toCoreEvent = (v1: KObject): KObject => convert(v1 ?? {}, 'v1', 1);

/** events.k8s.io field labels in core's names. */
export function coreFieldSelector(text: string): string {
  return text.replace(/(^|,)\s*regarding\./g, '$1involvedObject.').replace(/(^|,)\s*reportingController(?=\s*!?=)/g, '$1reportingComponent')
    .replace(/(^|,)\s*deprecatedSource(?=\s*!?=)/g, '$1source');
}

export async function handleEventsV1(registry: Registry, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const core = findResource('', 'events') as ResourceInfo;
  const { info, namespace: ns, name } = route;
  const method = req.method ?? 'GET';
  const dryRun = q.getAll('dryRun').includes('All');
  const send = (code: number, o: KObject) => sendJson(res, code, wantsTable(req.headers.accept) ? toTable(info, [o], o.metadata.resourceVersion, q.get('includeObject')) : o);
  const write = <T>(fn: () => T) => (dryRun ? registry.dryRunOf(fn) : fn());
  if (route.subresource) throw methodNotAllowed();
  if (!name) {
    if (method === 'POST') {
      const body = (await readJson(req)) as KObject;
      validateFields(res, info, q, body);
      send(201, toEventsV1(write(() => registry.create(core, ns, toCoreEvent(body)))));
      return;
    }
    if (method !== 'GET') throw methodNotAllowed();
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = fieldSelectorFilter('events', coreFieldSelector(q.get('fieldSelector') ?? ''));
    const matches = (o: KObject) => matchLabels(labels, o.metadata?.labels) && fields(o);
    if (boolParam(q, 'watch')) {
      serveWatch(req, res, registry.store, core, { namespace: ns, matches }, {
        resourceVersion: q.get('resourceVersion') ?? undefined, timeoutSeconds: intParam(q, 'timeoutSeconds'), bookmarks: boolParam(q, 'allowWatchBookmarks'),
        sendInitialEvents: q.has('sendInitialEvents') ? boolParam(q, 'sendInitialEvents') : undefined, table: false, includeObject: null, convert: toEventsV1,
      });
      return;
    }
    const items = registry.store.list(kindKey(core), ns).filter(matches).map(toEventsV1);
    const rv = String(registry.store.currentRv());
    if (wantsTable(req.headers.accept)) sendJson(res, 200, toTable(info, items, rv, q.get('includeObject')));
    else sendJson(res, 200, { kind: 'EventList', apiVersion: 'events.k8s.io/v1', metadata: { resourceVersion: rv }, items });
    return;
  }
  switch (method) {
    case 'GET':
      send(200, toEventsV1(registry.get(core, ns, name)));
      return;
    case 'PUT': {
      const body = (await readJson(req)) as KObject;
      validateFields(res, info, q, body);
      send(200, toEventsV1(write(() => registry.update(core, ns, name, toCoreEvent(body)))));
      return;
    }
    case 'PATCH': {
      const patch = await readJson(req);
      const patched = applyPatch(req.headers['content-type'] ?? '', toEventsV1(registry.get(core, ns, name)), patch) as KObject;
      send(200, toEventsV1(write(() => registry.update(core, ns, name, toCoreEvent(patched)))));
      return;
    }
    case 'DELETE':
      sendJson(res, 200, toEventsV1(write(() => registry.delete(core, ns, name))));
      return;
    default:
      throw methodNotAllowed();
  }
}
