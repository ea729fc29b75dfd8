// Creates the proxy Deployment (and its Service when ports are exposed), waits until its pod is Running
// and Ready with one progress line per step, and hands back the undo. A pod that does not come up is
// described (state, events, last log lines) in one ClusterError, after the objects were deleted again.
import type { CoreV1Event, V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';

import { ClusterError, TelepresenceError } from '../errors.js';
import { apiFailure } from './api-errors.js';
import { apisFor, type KubeApis } from './clients.js';
import { deleteSessionObjects } from './cleanup.js';
import { readPodHostKey } from './host-key.js';
import { execInPod, type PodRef } from './pod-exec.js';
import { loadClientNode } from './client-node.js';
import type { WatchStream } from './list-watch.js';
import { pause } from '../deadline.js';
import { POD_HOST_KEY_FILE, SSH_PORT } from '../protocol/index.js';
import { describeEvents, describePodState, hopelessReason, isPodReady } from './pod-state.js';
import { PROXY_CONTAINER, proxyDeployment, proxyService, sessionSelector, type ProxySpecOptions } from './proxy-spec.js';
import type { ClusterTarget } from './target.js';

export type DeployProxyOptions = ProxySpecOptions & {
  /** Aborts the wait (Ctrl-C); the objects are deleted and the promise rejects. */
  signal?: AbortSignal;
};

/** A Deployment (and Service) labelled telepresence=<session id>, made elsewhere: a new proxy or a swap's copy. */
export interface LaunchOptions {
  name: string;
  image: string;
  sessionId: string;
  deployment: V1Deployment;
  service?: V1Service;
  /** The container that runs the proxy image (its log explains a pod that does not start). */
  container: string;
  /** Every pod port the session exposes (those below 1024 make the pod run as root: said once). */
  exposePorts: readonly number[];
  signal?: AbortSignal;
  /**
   * No Service selects the pod (a new proxy without --expose): the wait ends once its sshd listens, before the
   * readiness probe says so. A swap's copy is selected by the user's Services: it waits for Ready.
   */
  ownPod?: boolean;
}

export interface DeployedProxy {
  podName: string;
  podIp: string;
  /** The pod's public SSH host key line, read through the API server (the session pins it). */
  hostKey: string;
  /** Deletes everything labelled telepresence=<session id> and waits until it is gone. */
  undo(): Promise<void>;
}

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace'>;

export function deployProxy(target: Target, opts: DeployProxyOptions, progress: (line: string) => void, timeoutMs: number): Promise<DeployedProxy> {
  return launchDeployment(target, {
    name: opts.name, image: opts.image, sessionId: opts.sessionId, signal: opts.signal,
    deployment: proxyDeployment(opts), service: proxyService(opts), container: PROXY_CONTAINER, exposePorts: opts.exposePorts ?? [], ownPod: true,
  }, progress, timeoutMs);
}

export async function launchDeployment(target: Target, opts: LaunchOptions, progress: (line: string) => void, timeoutMs: number): Promise<DeployedProxy> {
  const { deployment, service } = opts;
  const apis = await apisFor(target);
  const { namespace } = target;
  const undo = () => deleteSessionObjects(target, opts.sessionId);
  const deadline = Date.now() + timeoutMs;
  try {
    progress(`Creating Deployment ${opts.name} (image ${opts.image}) in namespace ${namespace}`);
    const low = [...new Set(opts.exposePorts)].filter((p) => p < 1024).sort((a, b) => a - b);
    if (low.length > 0) progress(`The proxy pod runs as root: port${low.length > 1 ? 's' : ''} ${low.join(', ')} below 1024 ${low.length > 1 ? 'are' : 'is'} exposed`);
    await create(() => apis.apps.createNamespacedDeployment({ namespace, body: deployment }), 'Deployment', opts.name, namespace);
    if (service) {
      const ports = service.spec!.ports!.map((p) => p.port);
      progress(`Creating Service ${opts.name} for port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`);
      await create(() => apis.core.createNamespacedService({ namespace, body: service }), 'Service', opts.name, namespace);
    }
    // The session's own pod, that no Service selects: sshd listening is all the session waits for, and it asks the
    // pod itself (the readiness probe's period would otherwise be a floor: up to periodSeconds after the start).
    const early = new Map<string, string>();
    const serving = service || !opts.ownPod ? undefined : async (p: V1Pod) => {
      const key = await hostKeyOnceListening(target, { namespace, pod: p.metadata!.name!, container: opts.container });
      if (key) early.set(p.metadata!.name!, key);
      return key !== null;
    };
    const pod = await waitForReadyPod(apis, namespace, {
      deployment: opts.name, labelSelector: sessionSelector(opts.sessionId), container: opts.container, signal: opts.signal,
      serving, watch: await podWatch(target),
    }, progress, deadline, timeoutMs);
    const podName = pod.metadata!.name!;
    progress(`Pod ${podName} is ready (IP ${pod.status!.podIP})`);
    const hostKey = early.get(podName) ?? await readPodHostKey(target, { namespace, pod: podName, container: opts.container });
    return { podName, podIp: pod.status!.podIP!, hostKey, undo };
  } catch (err) {
    // Nothing of a failed start may stay behind; the original error is what the user needs to see.
    try {
      await undo();
    } catch (cleanupErr) {
      if (err instanceof Error) err.message += ` (cleanup failed too: ${(cleanupErr as Error).message})`;
    }
    throw err;
  }
}

async function create(call: () => Promise<unknown>, kind: string, name: string, namespace: string): Promise<void> {
  try {
    await call();
  } catch (err) {
    const f = apiFailure(err);
    if (f.code === 409) {
      throw new ClusterError(`${kind} "${name}" already exists in namespace "${namespace}": choose another name with --new-deployment, or delete it (kubectl delete ${kind.toLowerCase()} ${name} -n ${namespace})`);
    }
    throw new ClusterError(`cannot create ${kind} "${name}" in namespace "${namespace}": ${f.message}`);
  }
}

/** Which pods to wait for: those of `deployment` that `labelSelector` selects. */
export interface PodWait {
  deployment: string;
  labelSelector: string;
  /** The container whose log explains a pod that does not start (default: the proxy's). */
  container?: string;
  signal?: AbortSignal;
  /**
   * A started pod (its container running, with an IP) that is not Ready yet counts as ready when this resolves
   * true: the caller's own check that the pod serves. Absent: only the pod's Ready condition counts.
   */
  serving?: (pod: V1Pod) => Promise<boolean>;
  /** Pod events wake the wait at once (else it lists every 250 ms). */
  watch?: WatchStream;
}

/** A watch stream for podWait, or undefined when the client cannot make one (the wait then only polls). */
export async function podWatch(target: Pick<ClusterTarget, 'kubeConfig'>): Promise<WatchStream | undefined> {
  try {
    return new (await loadClientNode()).Watch(target.kubeConfig);
  } catch {
    return undefined;
  }
}

/** Local port SSH_PORT in state LISTEN (0A) in /proc/net/tcp or tcp6 of the pod's network namespace. */
const SSHD_LISTENS = `grep -Eq ':${SSH_PORT.toString(16).toUpperCase().padStart(4, '0')} [0-9A-F]+:0000 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null`;

/** The pod's host key line once its sshd listens, else null (not yet, or any failure: the Ready wait goes on). */
async function hostKeyOnceListening(target: Pick<ClusterTarget, 'kubeConfig'>, ref: PodRef): Promise<string | null> {
  try {
    const r = await execInPod(target, ref, ['sh', '-c', `${SSHD_LISTENS} && cat ${POD_HOST_KEY_FILE}`]);
    return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

/** The pod runs (phase Running, an IP) and so does `container` in it, Ready or not. */
function started(pod: V1Pod, container: string): boolean {
  return pod.status?.phase === 'Running' && !!pod.status.podIP
    && (pod.status.containerStatuses ?? []).some((c) => c.name === container && !!c.state?.running);
}

/** A Running and Ready pod with an IP (the newest such, else waits for the newest), one progress line per pod. */
export async function waitForReadyPod(apis: KubeApis, namespace: string, opts: PodWait, progress: (line: string) => void, deadline: number, timeoutMs: number): Promise<V1Pod> {
  const { labelSelector } = opts;
  let announced = '';
  let current: V1Pod | undefined;
  let lastError = '';
  progress(`Waiting for a pod of Deployment ${opts.deployment}`);
  const changes = watchPods(opts.watch, `/api/v1/namespaces/${namespace}/pods`, labelSelector);
  try {
    return await waitLoop();
  } finally {
    changes.stop();
  }
  async function waitLoop(): Promise<V1Pod> {
    for (;;) {
      if (opts.signal?.aborted) throw new ClusterError(`interrupted while waiting for the proxy pod of Deployment ${opts.deployment}`);
      try {
        const pods = (await apis.core.listNamespacedPod({ namespace, labelSelector })).items.filter((p) => !p.metadata?.deletionTimestamp);
        current = newest(pods.filter((p) => isPodReady(p) && p.status?.podIP)) ?? newest(pods);
        lastError = '';
      } catch (err) {
        lastError = apiFailure(err).message;
      }
      if (current) {
        const name = current.metadata!.name!;
        if (announced !== name) {
          progress(`Waiting for pod ${name} to be ready`);
          announced = name;
        }
        if (isPodReady(current) && current.status?.podIP) return current;
        if (opts.serving && started(current, opts.container ?? PROXY_CONTAINER) && await opts.serving(current)) return current;
        const hopeless = hopelessReason(current);
        if (hopeless) throw await notReady(apis, namespace, current, opts.container ?? PROXY_CONTAINER, `cannot start (${hopeless})`);
      }
      if (Date.now() >= deadline) {
        if (!current) {
          throw new ClusterError(`no pod of the proxy Deployment ${opts.deployment} appeared within ${timeoutMs / 1000} s (timeouts.proxyPodReady)${lastError ? `: ${lastError}` : ''}`);
        }
        throw await notReady(apis, namespace, current, opts.container ?? PROXY_CONTAINER, `did not become ready within ${timeoutMs / 1000} s (timeouts.proxyPodReady)`);
      }
      // A pod that runs but does not serve yet is asked again soon; else the next pod event (or 250 ms) wakes the wait.
      const serveLater = opts.serving && current && started(current, opts.container ?? PROXY_CONTAINER);
      await changes.next(Math.min(serveLater ? 50 : 250, Math.max(0, deadline - Date.now())), opts.signal);
    }
  }
}

/** Wakes a waiter on each event of a pod watch; without a watch (or once it failed) next() is a plain pause. */
function watchPods(stream: WatchStream | undefined, path: string, labelSelector: string): { next(ms: number, signal?: AbortSignal): Promise<void>; stop(): void } {
  let wake: (() => void) | undefined;
  let pending = false;
  let controller: { abort(): void } | undefined;
  let stopped = false;
  const onEvent = () => {
    pending = true;
    wake?.();
  };
  let watching = false;
  return {
    async next(ms, signal) {
      // Started at the first wait: a pod that is Ready at the first list needs no watch.
      if (!watching) {
        watching = true;
        stream?.watch(path, { labelSelector }, onEvent, () => undefined).then((c) => {
          if (stopped) c.abort();
          else controller = c;
        }, () => undefined);
      }
      if (pending) {
        pending = false;
        return;
      }
      const woken = new Promise<void>((resolve) => { wake = resolve; });
      await Promise.race([pause(ms, signal), woken]);
      wake = undefined;
      pending = false;
    },
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}

function newest(pods: V1Pod[]): V1Pod | undefined {
  const t = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return pods.sort((a, b) => t(b) - t(a))[0];
}

/** One line: what the pod is doing, its events and the last lines it logged, if any. */
async function notReady(apis: KubeApis, namespace: string, pod: V1Pod, container: string, what: string): Promise<TelepresenceError> {
  const name = pod.metadata!.name!;
  const parts = [`the proxy pod ${name} ${what}: ${describePodState(pod)}`];
  let events: CoreV1Event[] = [];
  try {
    events = (await apis.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
  } catch {
    // Events are a help, not a requirement: some users may not list them.
  }
  if (events.length) parts.push(`events: ${describeEvents(events)}`);
  const restarted = (pod.status?.containerStatuses ?? []).some((c) => c.restartCount > 0 || c.state?.terminated);
  if (restarted) {
    const lines = await lastLogLines(apis, namespace, name, container);
    if (lines) parts.push(`its log ends: ${lines}`);
  }
  return new ClusterError(parts.join('; '));
}

/**
 * The container's last lines, joined with ' | '. While it waits to restart, the current log is that of the
 * instance that died (as in Kubernetes); the previous instance's log is the fallback.
 */
async function lastLogLines(apis: KubeApis, namespace: string, name: string, container: string): Promise<string> {
  for (const previous of [false, true]) {
    try {
      const log = await apis.core.readNamespacedPodLog({ name, namespace, container, tailLines: 3, previous });
      const lines = log.trim().split('\n').filter(Boolean).join(' | ');
      if (lines) return lines;
    } catch {
      // No log to show (never started, or not allowed).
    }
  }
  return '';
}
