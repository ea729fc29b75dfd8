// Deletes what a session created in the cluster (everything labelled telepresence=<session id>) and
// waits until it is gone; lists objects of sessions that are no longer running, for a later repair step.
import { ClusterError } from '../errors.js';
import { apiFailure, isNotFound } from './api-errors.js';
import { apisFor, type KubeApis } from './clients.js';
import { pause } from '../deadline.js';
import { SESSION_LABEL, sessionSelector } from './proxy-spec.js';
import type { ClusterTarget } from './target.js';

export type SessionObjectKind = 'Deployment' | 'ReplicaSet' | 'Pod' | 'Service';

export interface SessionObject {
  kind: SessionObjectKind;
  namespace: string;
  name: string;
  /** The value of the telepresence label. */
  sessionId: string;
}

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace'>;
interface Listed { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }

/** Lists the four kinds in `namespace` (all namespaces when undefined) matching labelSelector. */
async function listObjects(apis: KubeApis, namespace: string | undefined, labelSelector: string): Promise<SessionObject[]> {
  const { core, apps } = apis;
  const lists: [SessionObjectKind, Promise<{ items: Listed[] }>][] = namespace === undefined
    ? [
      ['Deployment', apps.listDeploymentForAllNamespaces({ labelSelector })],
      ['ReplicaSet', apps.listReplicaSetForAllNamespaces({ labelSelector })],
      ['Pod', core.listPodForAllNamespaces({ labelSelector })],
      ['Service', core.listServiceForAllNamespaces({ labelSelector })],
    ]
    : [
      ['Deployment', apps.listNamespacedDeployment({ namespace, labelSelector })],
      ['ReplicaSet', apps.listNamespacedReplicaSet({ namespace, labelSelector })],
      ['Pod', core.listNamespacedPod({ namespace, labelSelector })],
      ['Service', core.listNamespacedService({ namespace, labelSelector })],
    ];
  const out: SessionObject[] = [];
  for (const [kind, list] of lists) {
    for (const o of (await list).items) {
      out.push({ kind, namespace: o.metadata?.namespace ?? namespace ?? '', name: o.metadata?.name ?? '', sessionId: o.metadata?.labels?.[SESSION_LABEL] ?? '' });
    }
  }
  return out;
}

async function deleteOne(apis: KubeApis, o: SessionObject): Promise<void> {
  const req = { name: o.name, namespace: o.namespace, propagationPolicy: 'Background' };
  try {
    if (o.kind === 'Deployment') await apis.apps.deleteNamespacedDeployment(req);
    else if (o.kind === 'ReplicaSet') await apis.apps.deleteNamespacedReplicaSet(req);
    else if (o.kind === 'Pod') await apis.core.deleteNamespacedPod(req);
    else await apis.core.deleteNamespacedService(req);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** `Deployment x, Pod x-1-a` */
export function describeObjects(objects: readonly SessionObject[]): string {
  return objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(', ');
}

/**
 * Deletes every Deployment, ReplicaSet, Pod and Service labelled telepresence=<sessionId> in the target's
 * namespace and waits until none is left (pods included, even while terminating).
 */
export async function deleteSessionObjects(target: Target, sessionId: string, timeoutMs = 60_000): Promise<void> {
  const apis = await apisFor(target);
  const selector = sessionSelector(sessionId);
  const deadline = Date.now() + timeoutMs;
  const deleted = new Set<string>();
  let left: SessionObject[] = [];
  const failures: string[] = [];
  for (;;) {
    try {
      left = await listObjects(apis, target.namespace, selector);
    } catch (err) {
      failures.push(`listing: ${apiFailure(err).message}`);
      left = [];
    }
    if (left.length === 0 && failures.length === 0) return;
    // Owners first, so that controllers do not replace what was just deleted; each object once.
    for (const o of left) {
      const key = `${o.kind}/${o.name}`;
      if (deleted.has(key)) continue;
      try {
        await deleteOne(apis, o);
        deleted.add(key);
      } catch (err) {
        failures.push(`${o.kind} ${o.name}: ${apiFailure(err).message}`);
      }
    }
    if (Date.now() > deadline || failures.length > 0) break;
    await pause(250);
  }
  const what = left.length ? `still there after ${timeoutMs / 1000} s: ${describeObjects(left)}` : '';
  throw new ClusterError(`cannot delete the session's objects (label ${selector}) in namespace "${target.namespace}": ${[...failures, what].filter(Boolean).join('; ')}; delete them with \`kubectl delete deploy,rs,pod,svc -l ${selector} -n ${target.namespace}\``);
}

/**
 * Objects labelled `telepresence` whose session is not running (isRunning says which are), in the
 * target's namespace or in all namespaces. Listing only: the repair step decides what to do.
 */
export async function findLeftovers(target: Target, opts: { allNamespaces?: boolean; isRunning?: (sessionId: string) => boolean } = {}): Promise<SessionObject[]> {
  const apis = await apisFor(target);
  const all = await listObjects(apis, opts.allNamespaces ? undefined : target.namespace, SESSION_LABEL);
  const running = opts.isRunning ?? (() => false);
  return all.filter((o) => !running(o.sessionId));
}
