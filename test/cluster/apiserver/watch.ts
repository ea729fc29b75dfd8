// `?watch=1`: a chunked stream of JSON events. Replays history after the given resourceVersion
// (or synthetic ADDED events for the current state), turns selector transitions into
// ADDED/DELETED as the real API server does, sends BOOKMARKs only when asked, ends at timeoutSeconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from './discovery.js';
import { apiVersionOf } from './discovery.js';
import { kindKey } from './registry.js';
import type { KObject, Store, StoreEvent } from './store.js';
import { ApiError, gone } from './status.js';
import { toTable } from './table.js';

export interface WatchFilter {
  namespace?: string;
  matches: (obj: KObject) => boolean;
}

export interface WatchOptions {
  resourceVersion?: string;
  timeoutSeconds?: number;
  bookmarks: boolean;
  sendInitialEvents?: boolean;
  table: boolean;
  includeObject: string | null;
  /** Another API version's view of the stored objects (events.k8s.io/v1 Events). */
  convert?: (o: KObject) => KObject;
}

const DEFAULT_TIMEOUT_S = 1800;
const BOOKMARK_EVERY_MS = 60_000;

export function serveWatch(
  req: IncomingMessage, res: ServerResponse, store: Store, r: ResourceInfo, filter: WatchFilter, opts: WatchOptions,
): void {
  const key = kindKey(r);
  const inScope = (o: KObject) => filter.namespace === undefined || o.metadata?.namespace === filter.namespace;
  const ok = (o: KObject | undefined) => !!o && inScope(o) && filter.matches(o);
  const write = (type: string, stored: KObject) => {
    const object = opts.convert && type !== 'ERROR' && type !== 'BOOKMARK' ? opts.convert(stored) : stored;
    const payload = opts.table && type !== 'ERROR' && type !== 'BOOKMARK'
      ? toTable(r, [object], object.metadata.resourceVersion, opts.includeObject, false)
      : object;
    res.write(`${JSON.stringify({ type, object: payload })}\n`);
  };
  const onEvent = (ev: StoreEvent) => {
    if (ev.kind !== key) return;
    const now = ok(ev.object);
    const before = ok(ev.previous);
    if (ev.type === 'ADDED' && now) write('ADDED', ev.object);
    else if (ev.type === 'MODIFIED') {
      if (now && before) write('MODIFIED', ev.object);
      else if (now) write('ADDED', ev.object);
      else if (before) write('DELETED', ev.object);
    } else if (ev.type === 'DELETED' && (before || now)) write('DELETED', ev.object);
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const rv = opts.resourceVersion;
  let replay: StoreEvent[] | undefined = [];
  const fromState = !rv || rv === '0' || opts.sendInitialEvents === true;
  if (fromState) {
    for (const o of store.list(key, r.namespaced ? filter.namespace : undefined)) if (ok(o)) write('ADDED', o);
    if (opts.sendInitialEvents && opts.bookmarks) {
      write('BOOKMARK', {
        kind: r.kind, apiVersion: apiVersionOf(r),
        metadata: { resourceVersion: String(store.currentRv()), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
    }
  } else {
    if (Number(rv) > store.currentRv()) {
      const tooLarge = new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.currentRv()}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }], retryAfterSeconds: 1,
      });
      write('ERROR', tooLarge.toStatus());
      res.end();
      return;
    }
    replay = store.eventsSince(Number(rv));
    if (replay === undefined) {
      write('ERROR', gone(`too old resource version: ${rv} (${store.currentRv()})`).toStatus());
      res.end();
      return;
    }
  }
  for (const ev of replay) onEvent(ev);
  const unsubscribe = store.subscribe(onEvent);
  const bookmark = opts.bookmarks
    ? setInterval(() => write('BOOKMARK', { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(store.currentRv()) } }), BOOKMARK_EVERY_MS)
    : undefined;
  const timer = setTimeout(() => finish(), (opts.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    clearTimeout(timer);
    if (bookmark) clearInterval(bookmark);
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish); // a client that went away mid-write
}
