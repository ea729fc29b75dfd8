// The pure parts of the --proxy-via relay: which workload a WORKLOAD text names, the ephemeral container
// that runs the relay in one of its pods (the proxy image's `relay` mode), the port it takes there, and
// the one-line refusals. The relay's wire contract is src/protocol/relay.ts.
import type { V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';

import { RELAY_COMMAND, RELAY_ENV, RELAY_IDLE_SECONDS, RELAY_PORT } from '../protocol/index.js';

export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'ReplicaSet', 'StatefulSet'];

/** kubectl's spellings of the kinds --proxy-via takes (singular, plural, short). */
const KIND_NAMES: Record<string, WorkloadKind> = {
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
};

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The kinds and the forms --proxy-via accepts, for the refusals. */
const FORMS = 'a Deployment, ReplicaSet or StatefulSet of the namespace: NAME, deployment/NAME, replicaset/NAME or statefulset/NAME';

/** `NAME` (any of the three kinds, looked up in WORKLOAD_KINDS' order) or `KIND/NAME`; a refusal line otherwise. */
export function parseWorkload(text: string): { kinds: readonly WorkloadKind[]; name: string } | { refusal: string } {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(slash + 1);
  if (slash >= 0) {
    const kind = KIND_NAMES[text.slice(0, slash).toLowerCase()];
    if (kind === undefined) return { refusal: `--proxy-via: ${JSON.stringify(text)} is a ${text.slice(0, slash)}, not ${FORMS}` };
    if (!NAME.test(name)) return { refusal: `--proxy-via: ${JSON.stringify(name)} is not a ${kind} name: give ${FORMS}` };
    return { kinds: [kind], name };
  }
  if (!NAME.test(name)) return { refusal: `--proxy-via: ${JSON.stringify(text)} is not a workload name: give ${FORMS}` };
  return { kinds: WORKLOAD_KINDS, name };
}

export function workloadNotFound(kinds: readonly WorkloadKind[], name: string, namespace: string): string {
  const what = kinds.length === 1 ? `${kinds[0]} "${name}"` : `Deployment, ReplicaSet or StatefulSet "${name}"`;
  return `--proxy-via: no ${what} in namespace "${namespace}": name one there (kubectl get deployments,replicasets,statefulsets -n ${namespace}), or use --namespace`;
}

export function noReadyPod(kind: WorkloadKind, name: string, namespace: string, seconds: number, pods: number): string {
  return `--proxy-via: ${kind} ${name} in namespace ${namespace} has no Ready pod${pods > 0 ? ` (${pods} not ready)` : ''} after ${seconds} s: the relay runs in one of its pods; scale it up or fix its pods (kubectl get pods -n ${namespace})`;
}

export function ephemeralForbidden(pod: string, namespace: string, message: string): string {
  return `--proxy-via: the cluster does not let this user add the relay container to pod ${pod} in namespace ${namespace} (${message}): it needs the permission to patch pods/ephemeralcontainers there (kubectl auth can-i patch pods/ephemeralcontainers -n ${namespace})`;
}

export function ephemeralUnsupported(pod: string, code: number, message: string): string {
  return `--proxy-via: this cluster does not offer ephemeral containers (pods/ephemeralcontainers of pod ${pod} answered ${code}: ${message}): --proxy-via needs Kubernetes 1.23 or later with them enabled (kubectl debug uses them too)`;
}

/** The relay's container name: one per session (a pod keeps every ephemeral container it ever had). */
export function relayContainerName(sessionId: string): string {
  const id = sessionId.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `telepresence-relay-${id}`.slice(0, 63).replace(/-+$/, '');
}

/** Ephemeral containers of this pod that may still hold a port: running or not yet started. */
function busyRelayPorts(pod: V1Pod): Set<number> {
  const ended = new Set((pod.status?.ephemeralContainerStatuses ?? []).filter((s) => s.state?.terminated).map((s) => s.name));
  const ports = new Set<number>();
  for (const c of pod.spec?.ephemeralContainers ?? []) {
    if (ended.has(c.name)) continue;
    const port = c.env?.find((e) => e.name === RELAY_ENV.port)?.value;
    if (port !== undefined && /^\d+$/.test(port)) ports.add(Number(port));
  }
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) ports.add(p.containerPort);
  return ports;
}

/** RELAY_PORT, or the next port up that no declared container port and no live relay of this pod uses. */
export function chooseRelayPort(pod: V1Pod): number {
  const busy = busyRelayPorts(pod);
  let port = RELAY_PORT;
  while (busy.has(port)) port += 1;
  return port;
}

export interface RelayContainerOptions {
  name: string;
  image: string;
  secret: string;
  port: number;
  idleSeconds?: number;
}

/** The ephemeral container: the proxy image's relay mode, with no privileges it does not need. */
export function relayEphemeralContainer(o: RelayContainerOptions): V1EphemeralContainer {
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    command: [...RELAY_COMMAND],
    env: [
      { name: RELAY_ENV.secret, value: o.secret },
      { name: RELAY_ENV.port, value: String(o.port) },
      { name: RELAY_ENV.idleSeconds, value: String(o.idleSeconds ?? RELAY_IDLE_SECONDS) },
    ],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    stdin: false,
    tty: false,
  };
}
