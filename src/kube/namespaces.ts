// The cluster's namespaces, for the workstation DNS (`svc.ns` names): listed at start, then followed by a
// watch, so a namespace created during the session resolves and a deleted one stops. Never ends a session.
import type { V1Namespace } from '@kubernetes/client-node';

import { apiFailure } from './api-errors.js';
import { apisFor } from './clients.js';
import { loadClientNode } from './client-node.js';
import type { ClusterTarget } from './target.js';

export interface NamespaceWatch {
  /** The namespaces when the watch started (or the fallback). */
  readonly names: readonly string[];
  stop(): void;
}

export interface NamespaceWatchOptions {
  log(line: string): void;
  /** Bounds the first list; after it the fallback is used and the list retried in the background. */
  listTimeoutMs?: number;
  /** Pause before the first retry after a failure; doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * The server ends each watch after this long and we go on from its resourceVersion: client-node's
   * Watch aborts a watch with no data for 30 s, and a quiet namespace list sends none.
   */
  watchTimeoutSeconds?: number;
}

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

/** What a user who cannot list namespaces still gets: the session's, and the two every cluster has. */
export function fallbackNamespaces(sessionNamespace: string): string[] {
  return [...new Set([sessionNamespace, 'default', 'kube-system'])];
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Lists the namespaces and watches them; `onChange` gets the whole sorted list after each change.
 * Forbidden (RBAC 403): the fallback, one log line, no watch. Any other failure, at start or later:
 * logged, the fallback (at start) or the last list stays in use, and list + watch start again.
 */
export async function watchNamespaces(
  target: Target, onChange: (names: readonly string[]) => void, options: NamespaceWatchOptions,
): Promise<NamespaceWatch> {
  const { log } = options;
  const k8s = await loadClientNode();
  const apis = await apisFor(target);
  const retryMs = options.retryDelayMs ?? 1000;
  const maxRetryMs = options.maxRetryDelayMs ?? 30_000;
  let names = new Set<string>();
  let stopped = false;
  let abort: AbortController | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = retryMs;
  /** Which watch is the current one: an older one may hand over its controller late. */
  let generation = 0;

  const sorted = () => [...names].sort();
  const replace = (next: Iterable<string>, notify: boolean) => {
    const before = sorted().join(',');
    names = new Set(next);
    if (notify && sorted().join(',') !== before) onChange(sorted());
  };
  const list = async () => {
    const result = await apis.core.listNamespace();
    return { items: result.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== ''), rv: result.metadata?.resourceVersion ?? '' };
  };
  const retryLater = (why: string) => {
    if (stopped) return;
    log(`namespaces: ${why}; listing them again in ${delay / 1000} s`);
    retryTimer = setTimeout(() => void relist(), delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, maxRetryMs);
  };
  const relist = async () => {
    if (stopped) return;
    try {
      const { items, rv } = await list();
      replace(items, true);
      delay = retryMs;
      watchFrom(rv);
    } catch (err) {
      retryLater(`cannot list them: ${apiFailure(err).message}`);
    }
  };
  const watchFrom = (rv: string) => {
    if (stopped) return;
    const gen = ++generation;
    let broken: string | undefined;
    const onEvent = (type: string, obj: V1Namespace) => {
      const name = obj?.metadata?.name;
      if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
      if (type === 'ADDED' || type === 'MODIFIED') {
        if (name && !names.has(name)) replace([...names, name], true);
      } else if (type === 'DELETED') {
        if (name && names.has(name)) replace([...names].filter((n) => n !== name), true);
      } else if (type === 'ERROR') {
        // e.g. 410 Gone: our resourceVersion is too old; only a new list catches up.
        broken = `the watch ended with ${(obj as { message?: string })?.message ?? 'an error'}`;
      }
    };
    const onDone = (err: unknown) => {
      if (stopped || gen !== generation) return;
      abort = undefined;
      const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
      if (broken === undefined && err && !timedOut) broken = `the watch broke: ${apiFailure(err).message}`;
      if (broken !== undefined) retryLater(broken);
      else watchFrom(rv); // the server's timeoutSeconds (or client-node's idle abort): go on where it stopped
    };
    const query = { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: options.watchTimeoutSeconds ?? 25 };
    void new k8s.Watch(target.kubeConfig).watch('/api/v1/namespaces', query, onEvent, onDone)
      .then((controller) => {
        if (stopped) controller.abort();
        else if (gen === generation) abort = controller;
      }, onDone);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(retryTimer);
    abort?.abort();
  };

  try {
    const { items, rv } = await timeout(list(), options.listTimeoutMs ?? 10_000);
    replace(items, false);
    watchFrom(rv);
  } catch (err) {
    const f = apiFailure(err);
    replace(fallbackNamespaces(target.namespace), false);
    if (f.code === 403) {
      log(`namespaces: cannot list the namespaces of context "${target.context}" (${f.message}): only ${sorted().join(', ')} resolve as name.namespace`);
      return { names: sorted(), stop };
    }
    retryLater(`cannot list them (${f.message}), using ${sorted().join(', ')} meanwhile`);
  }
  return { names: sorted(), stop };
}
