// The proxy's Kubernetes objects as data (pure): a one-replica Deployment and, when ports are exposed,
// a Service of the same name, all labelled telepresence=<session id> so that cleanup finds them by label.
import type { V1Deployment, V1Service } from '@kubernetes/client-node';

import { UsageError } from '../errors.js';
import { DNS_PORT, POD_ENV, PROXY_CONTAINER, PROXY_UID, SOCKS_PORT, SSH_PORT } from '../protocol/index.js';

export { PROXY_CONTAINER };
export const SESSION_LABEL = 'telepresence';

export interface ProxySpecOptions {
  /** Deployment (and Service) name: a DNS-1123 label. */
  name: string;
  image: string;
  sessionId: string;
  /** The session's OpenSSH public key line, authorized in the pod's sshd. */
  publicKey: string;
  serviceAccount?: string;
  /** Pod-side TCP ports that receive cluster traffic (--expose): a Service forwards them to the pod. */
  exposePorts?: readonly number[];
  /** More variables for the proxy program (e.g. TELEPRESENCE_NAMESERVER for local clusters). */
  env?: Readonly<Record<string, string>>;
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Throws UsageError unless `name` can name a Deployment and a Service. */
export function checkProxyName(name: string): void {
  if (name.length > 63 || !DNS_1123_LABEL.test(name)) {
    throw new UsageError(`invalid deployment name "${name}": use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
}

export function checkSessionId(sessionId: string): void {
  if (sessionId === '' || sessionId.length > 63 || !LABEL_VALUE.test(sessionId)) {
    throw new UsageError(`invalid session id "${sessionId}": it must be a Kubernetes label value (at most 63 letters, digits, '-', '_', '.')`);
  }
}

/** A remote port below 1024 can only be bound by root in the pod (Telepresence 1's privileged variant). */
export function needsPrivileged(exposePorts: readonly number[] = []): boolean {
  return exposePorts.some((p) => p < 1024);
}

export function sessionSelector(sessionId: string): string {
  return `${SESSION_LABEL}=${sessionId}`;
}

export function proxyDeployment(o: ProxySpecOptions): V1Deployment {
  checkProxyName(o.name);
  checkSessionId(o.sessionId);
  const labels = { [SESSION_LABEL]: o.sessionId };
  const privileged = needsPrivileged(o.exposePorts);
  const exposed = [...new Set(o.exposePorts ?? [])].filter((p) => ![SSH_PORT, SOCKS_PORT, DNS_PORT].includes(p));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          // The proxy keeps no state: a short grace period makes cleanup quick.
          terminationGracePeriodSeconds: 5,
          securityContext: privileged ? { runAsUser: 0, runAsNonRoot: false } : { runAsUser: PROXY_UID, runAsGroup: PROXY_UID, runAsNonRoot: true },
          containers: [{
            name: PROXY_CONTAINER,
            image: o.image,
            imagePullPolicy: 'IfNotPresent',
            env: [
              { name: POD_ENV.sshPublicKey, value: o.publicKey },
              ...Object.entries(o.env ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
            ],
            ports: [
              { name: 'ssh', containerPort: SSH_PORT, protocol: 'TCP' },
              { name: 'socks', containerPort: SOCKS_PORT, protocol: 'TCP' },
              { name: 'dns', containerPort: DNS_PORT, protocol: 'UDP' },
              ...exposed.map((p) => ({ containerPort: p, protocol: 'TCP' })),
            ],
            // Ready means sshd accepts connections: the launcher's next step.
            readinessProbe: { tcpSocket: { port: SSH_PORT }, periodSeconds: 1, failureThreshold: 3 },
          }],
        },
      },
    },
  };
}

/** The Service for exposed ports, or undefined when none are exposed. */
export function proxyService(o: ProxySpecOptions): V1Service | undefined {
  const ports = [...new Set(o.exposePorts ?? [])].sort((a, b) => a - b);
  if (ports.length === 0) return undefined;
  const labels = { [SESSION_LABEL]: o.sessionId };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, labels },
    spec: {
      type: 'ClusterIP',
      selector: labels,
      ports: ports.map((p) => ({ name: `tcp-${p}`, port: p, targetPort: p, protocol: 'TCP' })),
    },
  };
}
