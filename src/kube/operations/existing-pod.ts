// The pure parts of `--deployment NAME`: which pods are the Deployment's (its spec.selector as a label
// selector), which container of a pod is the proxy, the fix for a pod of another protocol, and the
// refusal of an --expose below 1024 on a pod that does not run as root.
import type { V1Deployment, V1LabelSelector, V1Pod } from '@kubernetes/client-node';

import { PROXY_CONTAINER, proxyImageBuildHint, SSH_PORT } from '../../protocol/index.js';

/** spec.selector as the labelSelector query parameter (`a=b,c in (d,e),!f`); null when it selects nothing. */
export function labelSelectorText(selector: V1LabelSelector | undefined): string | null {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else return null;
  }
  // An empty selector would select every pod of the namespace: apps/v1 refuses it, so should we.
  return parts.length > 0 ? parts.join(',') : null;
}

/** Why a Deployment cannot serve as the proxy before anything is changed, or null. */
export function deploymentUnusable(d: V1Deployment, namespace: string): string | null {
  const name = d.metadata?.name ?? '';
  if (labelSelectorText(d.spec?.selector) === null) return `Deployment "${name}" in namespace "${namespace}" has no usable spec.selector: give it matchLabels, as its pod template's labels`;
  if (d.spec?.replicas === 0) return `Deployment "${name}" in namespace "${namespace}" has 0 replicas: scale it up first (kubectl scale deployment ${name} --replicas=1 -n ${namespace})`;
  return null;
}

/**
 * The container that runs the proxy: the one named PROXY_CONTAINER, else the one declaring the SSH port,
 * else the only one. Null when a pod of several containers names none of them so.
 */
export function proxyContainerOf(pod: V1Pod): string | null {
  const containers = pod.spec?.containers ?? [];
  const named = containers.find((c) => c.name === PROXY_CONTAINER);
  if (named) return named.name;
  const ssh = containers.find((c) => (c.ports ?? []).some((p) => p.containerPort === SSH_PORT));
  if (ssh) return ssh.name;
  return containers.length === 1 ? containers[0]!.name : null;
}

/** The end of a protocol refusal for an existing Deployment: the image to run there, and the command. */
export function existingDeploymentFix(image: string, deployment: string, container: string, namespace: string, launcherVersion: string): string {
  return `run ${image} in Deployment ${deployment} (kubectl set image deployment/${deployment} ${container}=${image} -n ${namespace}), built ${proxyImageBuildHint(launcherVersion)}`;
}

/** Remote ports below 1024 need a root sshd: one line when the pod's user is not root, else null. */
export function lowPortRefusal(exposePorts: readonly number[], uid: number, pod: string, deployment: string): string | null {
  const low = [...new Set(exposePorts.filter((p) => p < 1024))].sort((a, b) => a - b);
  if (low.length === 0 || uid === 0) return null;
  const ports = low.length > 1 ? `ports ${low.join(', ')} are` : `port ${low[0]} is`;
  return `--expose: ${ports} below 1024, but pod ${pod} of Deployment ${deployment} runs as uid ${uid}, not root, so its sshd cannot listen there: expose remote ports of 1024 or more, or run Deployment ${deployment} as root (securityContext runAsUser: 0)`;
}
