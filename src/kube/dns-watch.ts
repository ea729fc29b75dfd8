// The live feed of teleproxy's DNS table: the cluster's Services, Endpoints (or EndpointSlices where the
// cluster serves discovery.k8s.io/v1) and Pods, listed and then watched, each change handed to the sink
// as it arrives. Cluster-wide; a user forbidden that gets one list + watch per mapped namespace.
import type { KubeConfig, V1Endpoints, V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

import { ClusterError } from '../errors.js';
import { apiFailure } from './api-errors.js';
import { apisFor } from './clients.js';
import { loadClientNode } from './client-node.js';
import {
  endpointsRecord, podRecord, serviceRecord, sliceRecord, type DnsEndpoints, type DnsPod, type DnsService,
} from './dns-watch-records.js';
import { ListForbidden, ListWatcher, type ListWatchTiming, type WatchStream } from './list-watch.js';
import { RecordKeeper, type DnsKind, type DnsSink, type KeptObject } from './dns-watch-keeper.js';
import type { ClusterTarget } from './target.js';

export * from './dns-watch-records.js';
export type { DnsKind, DnsSink } from './dns-watch-keeper.js';

export type EndpointsApi = 'endpoints' | 'endpointslices';

export interface ClusterDnsOptions extends ListWatchTiming {
  /** The namespaces the session maps: watched one by one when a cluster-wide watch is forbidden. */
  namespaces: readonly string[];
  log(line: string): void;
  /** Bounds the wait for the first lists (default 10 s); past it watchClusterDns rejects. */
  listTimeoutMs?: number;
  /** Default: endpointslices when the API serves discovery.k8s.io/v1 endpointslices. */
  endpointsApi?: EndpointsApi;
  /** Tests: another watch stream than client-node's Watch. */
  watchStream?: WatchStream;
}

export interface DnsWatch {
  readonly mode: 'cluster-wide' | 'per-namespace';
  /** Why per-namespace: the API server's Forbidden message of the cluster-wide list. */
  readonly reason?: string;
  readonly endpointsApi: EndpointsApi;
  /** The namespaces mapped now (sorted); per-namespace, the ones watched. */
  readonly namespaces: readonly string[];
  /** Per-namespace: start watching namespaces added, stop (and drop the records of) those gone. */
  setNamespaces(names: readonly string[]): void;
  stop(): void;
}

type Target = Pick<ClusterTarget, 'kubeConfig' | 'context'>;
type Listed<T> = Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;

interface KindSource {
  kind: DnsKind;
  /** `services`, `endpoints`, `endpointslices`, `pods`: the resource and its path segment. */
  resource: string;
  group: string;
  listAll(): Listed<KeptObject>;
  listIn(namespace: string): Listed<KeptObject>;
}

/** Whether the API serves discovery.k8s.io/v1 endpointslices (a 404 or any failure: no). */
export async function discoverEndpointsApi(kubeConfig: KubeConfig, log: (line: string) => void): Promise<EndpointsApi> {
  const k8s = await loadClientNode();
  try {
    const list = await kubeConfig.makeApiClient(k8s.DiscoveryV1Api).getAPIResources();
    return list.resources.some((r) => r.name === 'endpointslices') ? 'endpointslices' : 'endpoints';
  } catch (err) {
    const f = apiFailure(err);
    if (f.code !== 404) log(`dns: cannot tell whether the API serves EndpointSlices (${f.message}); watching Endpoints`);
    return 'endpoints';
  }
}

/** The progress line of the session: what the table follows, and why per namespace. */
export function describeDnsWatch(w: Pick<DnsWatch, 'mode' | 'reason' | 'endpointsApi' | 'namespaces'>): string {
  const kinds = `Services, ${w.endpointsApi === 'endpointslices' ? 'EndpointSlices' : 'Endpoints'} and Pods`;
  if (w.mode === 'cluster-wide') return `DNS answers from a cluster-wide watch of ${kinds}`;
  return `DNS answers from watches of ${kinds} in namespaces ${w.namespaces.join(', ')} (a cluster-wide watch is forbidden: ${w.reason})`;
}

async function kindSources(target: Target, endpointsApi: EndpointsApi): Promise<KindSource[]> {
  const k8s = await loadClientNode();
  const { core } = await apisFor(target);
  const discovery = target.kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
  const endpoints: KindSource = endpointsApi === 'endpointslices'
    ? { kind: 'endpoints', resource: 'endpointslices', group: 'discovery.k8s.io',
      listAll: () => discovery.listEndpointSliceForAllNamespaces(), listIn: (namespace) => discovery.listNamespacedEndpointSlice({ namespace }) }
    : { kind: 'endpoints', resource: 'endpoints', group: '',
      listAll: () => core.listEndpointsForAllNamespaces(), listIn: (namespace) => core.listNamespacedEndpoints({ namespace }) };
  return [
    { kind: 'services', resource: 'services', group: '',
      listAll: () => core.listServiceForAllNamespaces(), listIn: (namespace) => core.listNamespacedService({ namespace }) },
    endpoints,
    { kind: 'pods', resource: 'pods', group: '',
      listAll: () => core.listPodForAllNamespaces(), listIn: (namespace) => core.listNamespacedPod({ namespace }) },
  ];
}

function pathOf(s: KindSource, namespace?: string): string {
  const base = s.group ? `/apis/${s.group}/v1` : '/api/v1';
  return namespace === undefined ? `${base}/${s.resource}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${s.resource}`;
}

function keeperFor(kind: DnsKind, endpointsApi: EndpointsApi, sink: DnsSink): RecordKeeper<DnsService | DnsEndpoints | DnsPod> {
  if (kind === 'services') {
    return new RecordKeeper<DnsService>(kind, sink, (o) => serviceRecord(o as V1Service), (r) => `${r.namespace}/${r.name}`,
      (r) => sink.upsertService(r), (r) => sink.deleteService(r.namespace, r.name)) as RecordKeeper<DnsService | DnsEndpoints | DnsPod>;
  }
  if (kind === 'endpoints') {
    const record = endpointsApi === 'endpointslices' ? (o: KeptObject) => sliceRecord(o as V1EndpointSlice) : (o: KeptObject) => endpointsRecord(o as V1Endpoints);
    return new RecordKeeper<DnsEndpoints>(kind, sink, record, (r) => `${r.namespace}/${r.service}/${r.key}`,
      (r) => sink.upsertEndpoints(r), (r) => sink.deleteEndpoints(r.namespace, r.service, r.key)) as RecordKeeper<DnsService | DnsEndpoints | DnsPod>;
  }
  return new RecordKeeper<DnsPod>(kind, sink, (o) => podRecord(o as V1Pod), (r) => `${r.namespace}/${r.name}`,
    (r) => sink.upsertPod(r), (r) => sink.deletePod(r.namespace, r.name)) as RecordKeeper<DnsService | DnsEndpoints | DnsPod>;
}

function timeout(ms: number): { promise: Promise<'timeout'>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return { promise, clear: () => clearTimeout(timer) };
}

/**
 * Lists and watches Services, Endpoints (or EndpointSlices) and Pods; resolves once the first list of
 * each kind is in the sink. A cluster-wide list answered 403: one list + watch per namespace of
 * `options.namespaces` instead (a namespace forbidden too is logged and left out). Rejects (ClusterError)
 * only when the first lists do not come within listTimeoutMs; after that, failures are logged and retried.
 */
export async function watchClusterDns(target: Target, sink: DnsSink, options: ClusterDnsOptions): Promise<DnsWatch> {
  const { log } = options;
  const k8s = await loadClientNode();
  const endpointsApi = options.endpointsApi ?? await discoverEndpointsApi(target.kubeConfig, log);
  const sources = await kindSources(target, endpointsApi);
  const stream: WatchStream = options.watchStream ?? new k8s.Watch(target.kubeConfig);
  const keepers = new Map(sources.map((s) => [s.kind, keeperFor(s.kind, endpointsApi, sink)]));
  const deadline = timeout(options.listTimeoutMs ?? 10_000);
  /** Watchers by namespace ('' for cluster-wide). */
  const watchers = new Map<string, ListWatcher<KeptObject>[]>();
  /** Per namespace: settles once a 403 of its first lists was logged (or none came). */
  const denialNotes = new Map<string, Promise<void>>();
  let namespaces = [...new Set(options.namespaces)].sort();

  const start = (namespace?: string) => {
    const list = sources.map((s) => {
      const keeper = keepers.get(s.kind)!;
      const what = `dns: ${s.resource}${namespace === undefined ? '' : ` in ${namespace}`}`;
      return new ListWatcher<KeptObject>(
        { what, path: pathOf(s, namespace), list: () => (namespace === undefined ? s.listAll() : s.listIn(namespace)) },
        { listed: (items) => keeper.listed(items, namespace), event: (type, obj) => keeper.event(type, obj) },
        stream, log, options,
      );
    });
    watchers.set(namespace ?? '', list);
    // Cluster-wide, a 403 changes the mode; in a namespace, it leaves that namespace out, said once.
    if (namespace !== undefined) {
      denialNotes.set(namespace, Promise.allSettled(list.map((w) => w.firstList)).then((settled) => {
        const denied = settled.find((s) => s.status === 'rejected' && s.reason instanceof ListForbidden);
        if (denied && watchers.get(namespace) === list) {
          log(`dns: cannot list in namespace ${namespace} (${((denied as PromiseRejectedResult).reason as Error).message}): its names do not resolve`);
        }
      }));
    }
    return list;
  };
  const stopAll = () => {
    for (const list of watchers.values()) for (const w of list) w.stop();
    watchers.clear();
  };
  /** Waits for the first lists; a timeout rejects, a 403 is returned (in the order of the kinds). */
  const firstLists = async (list: ListWatcher<KeptObject>[], what: string): Promise<(ListForbidden | undefined)[]> => {
    const settled = list.map((w) => w.firstList.then(() => undefined, (err: unknown) => err as ListForbidden));
    const result = await Promise.race([Promise.all(settled), deadline.promise]);
    if (result !== 'timeout') return result;
    const failing = list.map((w, i) => (w.lastFailure ? `${sources[i].resource}: ${w.lastFailure}` : undefined)).filter(Boolean);
    stopAll();
    throw new ClusterError(`cannot list the cluster's ${what} for DNS (context "${target.context}") within ${(options.listTimeoutMs ?? 10_000) / 1000} s`
      + (failing.length ? `: ${failing.join('; ')}` : ''));
  };

  try {
    const forbidden = (await firstLists(start(), 'Services, Endpoints and Pods')).find((f) => f !== undefined);
    if (!forbidden) return handle('cluster-wide');
    // One mode for all kinds: what was listed cluster-wide goes, the per-namespace lists replace it.
    stopAll();
    for (const kind of keepers.keys()) keepers.get(kind)!.reset();
    const perNamespace = namespaces.map((ns) => ({ ns, list: start(ns) }));
    for (const { ns, list } of perNamespace) {
      await firstLists(list, `Services, Endpoints and Pods in namespace ${ns}`);
      await denialNotes.get(ns);
    }
    return handle('per-namespace', forbidden.message);
  } finally {
    deadline.clear();
  }

  function handle(mode: DnsWatch['mode'], reason?: string): DnsWatch {
    return {
      mode, endpointsApi, ...(reason !== undefined ? { reason } : {}),
      get namespaces() { return namespaces; },
      setNamespaces(names) {
        const next = [...new Set(names)].sort();
        if (mode === 'per-namespace') {
          for (const ns of namespaces.filter((n) => !next.includes(n))) {
            for (const w of watchers.get(ns) ?? []) w.stop();
            watchers.delete(ns);
            for (const keeper of keepers.values()) keeper.dropNamespace(ns);
          }
          for (const ns of next.filter((n) => !namespaces.includes(n))) start(ns);
        }
        namespaces = next;
      },
      stop: stopAll,
    };
  }
}
