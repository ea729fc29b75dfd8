// --proxy-via CIDR=WORKLOAD, the cluster side: the relay (the proxy image's `relay` mode) added as an
// ephemeral container to one Ready pod of WORKLOAD, so that its connections and look-ups are that pod's.
// Nothing of the workload restarts. Journalled before the patch; stop() ends the relay through the exec API
// (ephemeral containers cannot be removed: it exits and shows as terminated), and the next run stops one
// that a killed session left (proxyViaRelayRepairer); the relay's idle exit is the last resort.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';

import { NO_JOURNAL, type ChangeJournal } from '../changes.js';
import { pause } from '../deadline.js';
import { ClusterError, UsageError } from '../errors.js';
import { RELAY_READY_PREFIX, RELAY_SOCKS_USER } from '../protocol/index.js';
import { apiFailure, isNotFound } from './api-errors.js';
import { loadClientNode } from './client-node.js';
import { apisFor, type KubeApis } from './clients.js';
import { labelSelectorText } from './operations/existing-pod.js';
import { describePodState, isPodReady } from './pod-state.js';
import {
  chooseRelayPort, ephemeralForbidden, ephemeralUnsupported, noReadyPod, parseWorkload, relayContainerName, relayEphemeralContainer,
  workloadNotFound, type WorkloadKind,
} from './proxy-via-spec.js';
import { stopRelay, type ProxyViaRelayEntry, PROXY_VIA_RELAY } from './proxy-via-stop.js';
import type { ClusterTarget } from './target.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

export interface ProxyViaRelayOptions {
  /** The proxy image (src/config proxyImage): the relay is its `relay` mode. */
  image: string;
  /** The SOCKS password (newRelaySecret()); only the session knows it. */
  secret: string;
  sessionId: string;
  log(line: string): void;
  /** The session's journal: PROXY_VIA_RELAY is recorded before the patch and settled by stop(). */
  journal?: ChangeJournal;
  /** How long the relay lives without a connection (RELAY_IDLE_SECONDS). */
  idleSeconds?: number;
  /** For a Ready pod, then for the relay's ready line (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ProxyViaRelay {
  /** `Deployment client-app` */
  workload: string;
  namespace: string;
  podName: string;
  podIp: string;
  /** The relay's SOCKS port on podIp (tunnel.openStream(podIp, port)). */
  port: number;
  container: string;
  /** RFC 1929's username; the password is the secret given. */
  username: string;
  /** Ends the relay (exec), waits until its container is terminated, settles the journal entry. */
  stop(): Promise<void>;
}

/** A fresh per-session SOCKS password: 32 URL-safe characters. */
export function newRelaySecret(): string {
  return randomBytes(24).toString('base64url');
}

async function readWorkload(apis: KubeApis, kind: WorkloadKind, name: string, namespace: string) {
  const read = kind === 'Deployment' ? apis.apps.readNamespacedDeployment({ name, namespace })
    : kind === 'ReplicaSet' ? apis.apps.readNamespacedReplicaSet({ name, namespace })
      : apis.apps.readNamespacedStatefulSet({ name, namespace });
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw new ClusterError(`--proxy-via: cannot read ${kind} "${name}" in namespace "${namespace}": ${apiFailure(err).message}`);
  }
}

/** The workload (first kind found) and its pods' selector. */
async function findWorkload(apis: KubeApis, text: string, namespace: string): Promise<{ kind: WorkloadKind; name: string; selector: string }> {
  const parsed = parseWorkload(text);
  if ('refusal' in parsed) throw new UsageError(parsed.refusal);
  for (const kind of parsed.kinds) {
    const w = await readWorkload(apis, kind, parsed.name, namespace);
    if (w === null) continue;
    const selector = labelSelectorText(w.spec?.selector);
    if (selector === null) throw new ClusterError(`--proxy-via: ${kind} "${parsed.name}" in namespace "${namespace}" has no usable spec.selector`);
    return { kind, name: parsed.name, selector };
  }
  throw new ClusterError(workloadNotFound(parsed.kinds, parsed.name, namespace));
}

async function waitForPod(apis: KubeApis, w: { kind: WorkloadKind; name: string; selector: string }, namespace: string, deadline: number, o: ProxyViaRelayOptions): Promise<V1Pod> {
  for (;;) {
    const pods = (await apis.core.listNamespacedPod({ namespace, labelSelector: w.selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const ready = pods.filter((p) => isPodReady(p) && p.status?.podIP).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    if (ready.length > 0) return ready[0]!;
    if (Date.now() >= deadline) throw new ClusterError(noReadyPod(w.kind, w.name, namespace, Math.round((o.timeoutMs ?? 60_000) / 1000), pods.length));
    await pause(Math.min(500, Math.max(0, deadline - Date.now())), o.signal);
  }
}

async function addContainer(apis: KubeApis, pod: V1Pod, body: object): Promise<void> {
  const k8s = await loadClientNode();
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  try {
    await apis.core.patchNamespacedPodEphemeralcontainers({ name, namespace, body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
  } catch (err) {
    const f = apiFailure(err);
    if (f.code === 403) throw new ClusterError(ephemeralForbidden(name, namespace, f.message));
    if (f.code === 404 && !/^pods? "/.test(f.message)) throw new ClusterError(ephemeralUnsupported(name, 404, f.message));
    if (f.code === 404) throw new ClusterError(`--proxy-via: pod ${name} in namespace ${namespace} went away while the relay was being added: run again`);
    throw new ClusterError(`--proxy-via: cannot add the relay container to pod ${name} in namespace ${namespace}: ${f.message}`);
  }
}

/** Until the container runs and its log has the ready line; a relay that ended first is one line with its log. */
async function waitForRelay(apis: KubeApis, namespace: string, podName: string, container: string, deadline: number, signal?: AbortSignal): Promise<void> {
  const seconds = Math.round((deadline - Date.now()) / 1000);
  let state = 'no status yet';
  for (;;) {
    const pod = await apis.core.readNamespacedPod({ name: podName, namespace });
    const s = pod.status?.ephemeralContainerStatuses?.find((c) => c.name === container);
    const log = s?.state?.running || s?.state?.terminated
      ? await apis.core.readNamespacedPodLog({ name: podName, namespace, container, tailLines: 20 }).catch(() => '') : '';
    if (s?.state?.running && log.includes(RELAY_READY_PREFIX)) return;
    if (s?.state?.terminated) {
      const t = s.state.terminated;
      const last = log.trim().split('\n').slice(-3).join(' | ');
      throw new ClusterError(`--proxy-via: the relay in pod ${podName} in namespace ${namespace} ended at once (exit code ${t.exitCode}${t.reason ? `, ${t.reason}` : ''})${last ? `: ${last}` : ''}`);
    }
    state = s?.state?.waiting ? `waiting: ${s.state.waiting.reason ?? ''}${s.state.waiting.message ? ` (${s.state.waiting.message})` : ''}` : s ? 'running, no ready line yet' : `no status yet; pod ${describePodState(pod)}`;
    if (Date.now() >= deadline) throw new ClusterError(`--proxy-via: the relay container ${container} in pod ${podName} in namespace ${namespace} did not start within ${seconds} s (${state})`);
    await pause(Math.min(250, Math.max(0, deadline - Date.now())), signal);
  }
}

/** Adds the relay to a Ready pod of `workload` (NAME or KIND/NAME) in the target's namespace and waits until it serves. */
export async function startProxyViaRelay(target: Target, workload: string, o: ProxyViaRelayOptions): Promise<ProxyViaRelay> {
  const apis = await apisFor(target);
  const { namespace } = target;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const w = await findWorkload(apis, workload, namespace);
  const pod = await waitForPod(apis, w, namespace, deadline, o);
  const podName = pod.metadata!.name!;
  const container = relayContainerName(o.sessionId);
  const port = chooseRelayPort(pod);
  const data: ProxyViaRelayEntry = { context: target.context, namespace, workload: `${w.kind} ${w.name}`, pod: podName, podUid: pod.metadata!.uid ?? '', container };
  const entry = (o.journal ?? NO_JOURNAL).record<ProxyViaRelayEntry>(PROXY_VIA_RELAY, data);
  const stop = entry.settleAfter(async () => { await stopRelay(target, data); });
  o.log(`Adding the --proxy-via relay (container ${container}, port ${port}) to pod ${podName} of ${w.kind} ${w.name}`);
  await addContainer(apis, pod, { spec: { ephemeralContainers: [relayEphemeralContainer({ name: container, image: o.image, secret: o.secret, port, idleSeconds: o.idleSeconds })] } });
  try {
    // At least 10 s for the container however long the pod took: its image may still have to come.
    await waitForRelay(apis, namespace, podName, container, Math.max(deadline, Date.now() + 10_000), o.signal);
  } catch (err) {
    // A relay that starts later exits after its idle time; stopping it now is only quicker.
    await Promise.resolve(stop()).catch(() => undefined);
    throw err;
  }
  o.log(`The --proxy-via relay runs in pod ${podName} (IP ${pod.status!.podIP}, port ${port})`);
  return { workload: data.workload, namespace, podName, podIp: pod.status!.podIP!, port, container, username: RELAY_SOCKS_USER, stop: async () => { await stop(); } };
}
