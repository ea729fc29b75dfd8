// A proxy pod that can be replaced: on a reconnect, whether the pod still runs (the session connects to it
// again) or is gone, and then which Ready pod of its Deployment took its place (polled until the reconnect's
// deadline), prepared as the first was by the operation (host key read again, the session's key authorized).
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

import { beforeDeadline, pollUntil } from '../../deadline.js';
import { ClusterError } from '../../errors.js';
import { apiFailure, isNotFound } from '../api-errors.js';
import { apisFor, type KubeApis } from '../clients.js';
import { describePodState, hopelessReason, isPodReady } from '../pod-state.js';
import type { ClusterTarget } from '../target.js';
import type { ProxyPod, SuccessorWait } from './operation.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace'>;

/** Where a proxy pod's successors come from. */
export interface Lineage {
  /** The Deployment whose pods take the proxy pod's place (the new one, the swap's copy, the existing one). */
  deployment: string;
  /** Its pods. */
  labelSelector: string;
  /** Makes a Ready pod of it the session's proxy pod (its successor is added here); `log`: its steps. */
  prepare(pod: V1Pod, log: (line: string) => void): Promise<ProxyPod>;
  /** The Deployment is gone: make it again (a swap's copy), else nothing will replace the pod. */
  recreate?(): Promise<void>;
}

/** One API call's limit while checking (the API server itself may be what was lost). */
const CHECK_MS = 5000;
const POLL_MS = 250;

/** `pod` with a successor() that follows `lineage`; the pods it prepares follow it too. */
export function replaceable(target: Target, pod: ProxyPod, lineage: Lineage): ProxyPod {
  const announced = new Set<string>();
  const follow = (p: ProxyPod): ProxyPod => ({ ...p, successor: (wait) => successorOf(p, wait) });
  const successorOf = async (p: ProxyPod, wait: SuccessorWait): Promise<ProxyPod | null> => {
    const apis = await apisFor(target);
    const gone = await goneReason(apis, target.namespace, p.podName, Math.min(wait.deadline, Date.now() + CHECK_MS), wait.log);
    if (gone === null) return null;
    const next = await waitForSuccessor(apis, target.namespace, p.podName, gone, lineage, wait, announced);
    return follow(await lineage.prepare(next, wait.log));
  };
  return follow(pod);
}

/**
 * Why the pod is no proxy any more ('deleted', 'being deleted', 'ended: phase Failed'), or null while it is
 * one; also null when the API server does not answer: the port-forward then tells (it needs the server too).
 */
async function goneReason(apis: KubeApis, namespace: string, name: string, deadline: number, log: (line: string) => void): Promise<string | null> {
  let pod: V1Pod;
  try {
    pod = await beforeDeadline(apis.core.readNamespacedPod({ name, namespace }), deadline, `pod ${name}`);
  } catch (err) {
    if (isNotFound(err)) return 'deleted';
    log(`cannot tell whether the proxy pod ${name} is still there: ${err instanceof Error ? apiFailure(err).message : String(err)}`);
    return null;
  }
  if (pod.metadata?.deletionTimestamp) return 'being deleted';
  const phase = pod.status?.phase;
  return phase === 'Failed' || phase === 'Succeeded' ? `ended: phase ${phase}` : null;
}

/** The Deployment, null when it is gone or going (404 or a deletionTimestamp). */
async function liveDeployment(apis: KubeApis, namespace: string, name: string): Promise<V1Deployment | null> {
  try {
    const d = await apis.apps.readNamespacedDeployment({ name, namespace });
    return d.metadata?.deletionTimestamp ? null : d;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** The newest Ready pod of the lineage with an IP, other than `previous` and not terminating; polled until the deadline. */
async function waitForSuccessor(apis: KubeApis, namespace: string, previous: string, gone: string, lineage: Lineage, wait: SuccessorWait, announced: Set<string>): Promise<V1Pod> {
  const { deployment } = lineage;
  let state = 'no pod yet';
  const found = await pollUntil(async () => {
    let d: V1Deployment | null;
    try {
      d = await liveDeployment(apis, namespace, deployment);
    } catch (err) {
      state = `cannot read Deployment ${deployment}: ${apiFailure(err).message}`;
      return undefined;
    }
    if (!d && !lineage.recreate) {
      if (!announced.has(previous)) wait.progress(`The proxy pod ${previous} is gone (${gone}), and so is its Deployment ${deployment}: nothing will replace it`);
      announced.add(previous);
      throw new ClusterError(`the proxy pod ${previous} is gone (${gone}) and so is Deployment ${deployment} in namespace ${namespace}: nothing will replace it`);
    }
    if (!announced.has(previous)) wait.progress(`The proxy pod ${previous} is gone (${gone}); waiting for a new pod of Deployment ${deployment}...`);
    announced.add(previous);
    if (!d) {
      await lineage.recreate!();
      return undefined;
    }
    let pods: V1Pod[];
    try {
      pods = (await apis.core.listNamespacedPod({ namespace, labelSelector: lineage.labelSelector })).items
        .filter((p) => !p.metadata?.deletionTimestamp && p.metadata?.name !== previous);
    } catch (err) {
      state = `cannot list the pods of Deployment ${deployment}: ${apiFailure(err).message}`;
      return undefined;
    }
    const ready = newest(pods.filter((p) => isPodReady(p) && p.status?.podIP));
    if (ready) return ready;
    const latest = newest(pods);
    const hopeless = latest && hopelessReason(latest);
    if (hopeless) throw new ClusterError(`the new pod ${latest.metadata!.name} of Deployment ${deployment} cannot start (${hopeless}): ${describePodState(latest)}`);
    state = latest ? `pod ${latest.metadata!.name}: ${describePodState(latest)}` : 'no pod yet';
    return undefined;
  }, { deadline: wait.deadline, intervalMs: POLL_MS, signal: wait.signal });
  if (found) {
    wait.log(`the proxy pod ${previous} is replaced by pod ${found.metadata!.name} of Deployment ${deployment} (IP ${found.status!.podIP})`);
    return found;
  }
  throw new ClusterError(`no pod of Deployment ${deployment} was ready in place of the proxy pod ${previous} in time (${state})`);
}

function newest(pods: V1Pod[]): V1Pod | undefined {
  const t = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => t(b) - t(a))[0];
}
