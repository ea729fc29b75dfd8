// Small helpers for e2e tests that run pods: YAML for a one-shot script pod and for an echo pod and its
// Service, waiting for a phase or readiness through client-node, and the pod's log through the real kubectl.
import type * as k8s from '@kubernetes/client-node';

import { type ClusterFixture, waitFor } from './cluster.js';

export const ECHO_IMAGE = 'telepresence-test/echo:dev';
export const TOOLS_IMAGE = 'telepresence-test/tools:dev';

/** A pod (restartPolicy Never) that runs `script` with sh in the tools image, as kubectl-apply YAML (JSON is YAML). */
export function scriptPod(name: string, script: string, extra: { spec?: object; container?: object } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: { restartPolicy: 'Never', ...extra.spec,
      containers: [{ name: 'main', image: TOOLS_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], ...extra.container }] },
  });
}

/** An echo-server pod with a readiness probe, labelled app=<name>. */
export function echoPod(name: string, labels: Record<string, string> = { app: name }): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 } }] },
  });
}

/** The Service `name` in front of echoPod(name): port 8080 (http) to the pod's 8080, as kubectl-apply YAML. */
export function echoPodService(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] } });
}

export async function readPod(fx: ClusterFixture, name: string): Promise<k8s.V1Pod> {
  return fx.core.readNamespacedPod({ name, namespace: fx.namespace });
}

export async function waitForPhase(fx: ClusterFixture, name: string, phases: readonly string[], timeoutMs = 60_000): Promise<k8s.V1Pod> {
  return waitFor(`pod ${name} to reach phase ${phases.join(' or ')}`, timeoutMs, async () => {
    const pod = await readPod(fx, name);
    return phases.includes(pod.status?.phase ?? '') ? pod : undefined;
  });
}

export async function waitForReady(fx: ClusterFixture, name: string, timeoutMs = 60_000): Promise<k8s.V1Pod> {
  return waitFor(`pod ${name} to be Ready`, timeoutMs, async () => {
    const pod = await readPod(fx, name);
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? pod : undefined;
  });
}

/** Runs a script pod to completion and returns its log (fails if it does not succeed). */
export async function runScript(fx: ClusterFixture, name: string, script: string, extra: { spec?: object; container?: object } = {}): Promise<string> {
  await fx.kubectl(['apply', '-f', '-'], scriptPod(name, script, extra));
  const pod = await waitForPhase(fx, name, ['Succeeded', 'Failed']);
  const log = await fx.kubectl(['logs', name]);
  if (pod.status?.phase !== 'Succeeded') throw new Error(`pod ${name} failed; its log:\n${log}`);
  return log;
}

/** The lines of `log` between `== title` and the next `== ` header. */
export function section(log: string, title: string): string[] {
  const lines = log.split('\n');
  const start = lines.indexOf(`== ${title}`);
  if (start < 0) throw new Error(`no section "== ${title}" in:\n${log}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('== '));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}
