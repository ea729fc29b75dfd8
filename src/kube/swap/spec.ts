// --swap-deployment as data (pure): the copy of a Deployment that runs the proxy in place of one of its
// containers, the annotations that record the swap on the original, and how to read them back.
import type { V1Container, V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';

import { UsageError } from '../../errors.js';
import { POD_ENV, PROXY_UID, SSH_PORT } from '../../protocol/index.js';
import { checkProxyName, checkSessionId, needsPrivileged, SESSION_LABEL } from '../proxy-spec.js';

/** On the original while it is swapped: who swapped it, its replica count before, the session's Lease. */
export const SWAP_ANNOTATIONS = {
  session: 'telepresence.io/swapped-by',
  replicas: 'telepresence.io/swapped-replicas',
  lease: 'telepresence.io/swap-lease',
  copy: 'telepresence.io/swap-copy',
} as const;

/** On the copy: which Deployment it stands in for. */
export const SWAP_OF_ANNOTATION = 'telepresence.io/swap-of';

/** Telepresence 1's width: the copy's name, then the ReplicaSet's and the pod's suffixes, stay short. */
const COPY_NAME_WIDTH = 50;

/** Fields of the swapped container that belong to the workload's program, not to the proxy. */
const DROPPED_FIELDS = ['command', 'args', 'livenessProbe', 'readinessProbe', 'startupProbe', 'workingDir', 'lifecycle'] as const;

export interface SwapRecord {
  sessionId: string;
  replicas: number;
  lease: string;
  copy: string;
}

/** `<name>-<session id>`, the name cut so that the whole is at most 50 characters (TP1 0.109). */
export function swapCopyName(name: string, sessionId: string): string {
  checkSessionId(sessionId);
  const copy = `${name.slice(0, COPY_NAME_WIDTH - sessionId.length - 1)}-${sessionId}`;
  checkProxyName(copy);
  return copy;
}

export function swapLeaseName(sessionId: string): string {
  return `telepresence-${sessionId}`;
}

/** The container to swap: the named one, else the first; a missing name lists the ones there are. */
export function chooseContainer(deployment: V1Deployment, wanted: string | null): V1Container {
  const name = deployment.metadata?.name ?? '';
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  if (containers.length === 0) throw new UsageError(`Deployment ${name} has no containers to swap`);
  if (wanted === null) return containers[0];
  const found = containers.find((c) => c.name === wanted);
  if (!found) {
    throw new UsageError(`Deployment ${name} has no container "${wanted}": its containers are ${containers.map((c) => c.name).join(', ')}; use --swap-deployment ${name}:CONTAINER`);
  }
  return found;
}

/** The container's TCP containerPorts: exposed automatically (protocol defaults to TCP). */
export function containerTcpPorts(container: V1Container): number[] {
  return [...new Set((container.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort))].sort((a, b) => a - b);
}

/** What the swap wrote on a Deployment, or null when it is not swapped (or the record is unreadable). */
export function readSwapRecord(deployment: V1Deployment): SwapRecord | null {
  const a = deployment.metadata?.annotations ?? {};
  const sessionId = a[SWAP_ANNOTATIONS.session];
  if (!sessionId) return null;
  const replicas = Number(a[SWAP_ANNOTATIONS.replicas]);
  return {
    sessionId,
    replicas: Number.isInteger(replicas) && replicas >= 0 ? replicas : 1,
    lease: a[SWAP_ANNOTATIONS.lease] || swapLeaseName(sessionId),
    copy: a[SWAP_ANNOTATIONS.copy] || '',
  };
}

export interface SwapCopyOptions {
  sessionId: string;
  image: string;
  publicKey: string;
  /** The container to replace (chooseContainer's answer). */
  container: string;
  /** Every pod port the session will expose (the user's and the automatic ones): below 1024 means root. */
  exposePorts: readonly number[];
  serviceAccount?: string;
  /** More variables for the proxy program (a local cluster's TELEPRESENCE_NAMESERVER); they win over the workload's. */
  env?: Readonly<Record<string, string>>;
}

/**
 * A one-replica Deployment from the original's pod template: its labels plus telepresence=<session id>
 * (so the original's Services select the copy, and cleanup finds it), its volumes, env, sidecars and
 * service account (unless --serviceaccount); the chosen container gets the proxy image and keeps
 * only what the proxy can use.
 */
export function swappedCopy(original: V1Deployment, o: SwapCopyOptions): V1Deployment {
  const name = original.metadata?.name ?? '';
  const template = structuredClone(original.spec?.template ?? {}) as V1PodTemplateSpec;
  const session = { [SESSION_LABEL]: o.sessionId };
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), ...session } };
  const spec = template.spec ?? { containers: [] };
  template.spec = spec;
  if (o.serviceAccount) {
    spec.serviceAccountName = o.serviceAccount;
    delete spec.serviceAccount;
  }
  // The proxy keeps no state: a short grace period makes the restore quick.
  spec.terminationGracePeriodSeconds = Math.min(spec.terminationGracePeriodSeconds ?? 30, 5);
  const index = spec.containers.findIndex((c) => c.name === o.container);
  if (index < 0) throw new UsageError(`Deployment ${name} has no container "${o.container}"`);
  spec.containers[index] = proxyContainer(spec.containers[index], o);
  const selector = structuredClone(original.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), ...session };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: swapCopyName(name, o.sessionId), labels: session, annotations: { [SWAP_OF_ANNOTATION]: name } },
    spec: { replicas: 1, selector, template },
  };
}

function proxyContainer(original: V1Container, o: SwapCopyOptions): V1Container {
  const c: V1Container = structuredClone(original);
  for (const field of DROPPED_FIELDS) delete c[field];
  c.image = o.image;
  c.imagePullPolicy = 'IfNotPresent';
  c.terminationMessagePolicy = 'FallbackToLogsOnError';
  // The workload's env stays (the workstation's process gets it); the session's key is added.
  const ours = { ...(o.env ?? {}), [POD_ENV.sshPublicKey]: o.publicKey };
  c.env = [
    ...(c.env ?? []).filter((e) => !Object.hasOwn(ours, e.name)),
    ...Object.entries(ours).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
  ];
  // The proxy's own user, or root in the privileged variant; the container's settings were the program's.
  c.securityContext = needsPrivileged(o.exposePorts)
    ? { runAsUser: 0, runAsNonRoot: false }
    : { runAsUser: PROXY_UID, runAsGroup: PROXY_UID, runAsNonRoot: true };
  // Ready means sshd accepts connections, as for a new proxy Deployment.
  c.readinessProbe = { tcpSocket: { port: SSH_PORT }, periodSeconds: 1, failureThreshold: 3 };
  return c;
}

/** The label selector of the original's own pods (not the copy's, which also match its labels). */
export function originalPodSelector(original: V1Deployment): string {
  const labels = Object.entries(original.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return [...labels, `!${SESSION_LABEL}`].join(',');
}
