// Step 5: the pod's environment (read over the tunnel) as the user process gets it, plus the
// TELEPRESENCE_* variables; written to --env-json / --env-file when asked. When a new proxy pod replaces
// the first, its environment is read again and a difference is one line on stderr (names, never values).
import { writeFileSync } from 'node:fs';
import { proxyImage } from '../config/index.js';
import { clusterEnvironment, formatEnvFile, formatEnvJson } from '../engine/env-files.js';
import type { ProxyPod } from '../kube/index.js';
import { PROXY_CONTAINER, type PodInfo } from '../protocol/index.js';
import type { Method, PodView } from '../../methods/method.js';
import { readPodInfo } from './pod-info.js';
import type { PodConnection, Session } from './session.js';

/** What podinfo says of the pod. --deployment's exec ran podinfo in this pod already: the same files, the same answer. */
export function startPodInfo(s: Session, connection: PodConnection, pod: ProxyPod): Promise<PodInfo> {
  const info = readPodInfo(connection.tunnel, proxyImage(s.env), pod.podInfo);
  info.catch(() => undefined); // awaited by podEnvironment; a step before it may fail first
  return info;
}

/**
 * `root`: where the pod's root is mounted ($TELEPRESENCE_ROOT), '' when it is not; `started`: startPodInfo()'s
 * answer (it runs while the volumes mount). The environment and what else the pod told.
 */
export async function podEnvironment(s: Session, connection: PodConnection, pod: ProxyPod, method: Method, root: string,
  started: Promise<PodInfo>): Promise<PodView> {
  const image = proxyImage(s.env);
  const info = await started;
  const variables = { pod: pod.podName, container: PROXY_CONTAINER, method: method.name, mounts: info.mountpoints.join(':'), root };
  const env = clusterEnvironment(info.env, variables);
  // The user process keeps what it started with: the line says what a new pod has otherwise.
  connection.onReconnected(async ({ pod: podName, previousPod }) => {
    if (podName === previousPod) return;
    const now = await readPodInfo(connection.tunnel, image);
    const line = environmentChange(env, clusterEnvironment(now.env, { ...variables, pod: podName, mounts: now.mountpoints.join(':') }), podName);
    if (line) s.warn(line);
    else s.log(`the new proxy pod ${podName} has the environment the user process started with`);
  });
  const { envJson, envFile } = s.options;
  if (envJson) writeFileSync(envJson, formatEnvJson(env));
  if (envFile) {
    const { text, skipped } = formatEnvFile(env);
    writeFileSync(envFile, text);
    if (skipped.length > 0) s.warn(`Warning: these variables have newlines in their values and were left out of ${envFile}: ${skipped.join(', ')}`);
  }
  return { env, hostname: info.hostname, hosts: info.hosts, resolv: info.resolv, root };
}

/** Variables a new pod changes by being another pod (the recovery line names it). */
const PER_POD_VARIABLES: readonly string[] = ['TELEPRESENCE_POD'];

/** The one line naming what differs between the user process's environment and a new pod's, or null. */
export function environmentChange(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>, pod: string): string | null {
  const names = (env: Readonly<Record<string, string>>) => Object.keys(env).filter((k) => !PER_POD_VARIABLES.includes(k));
  const added = names(after).filter((k) => !Object.hasOwn(before, k)).sort();
  const removed = names(before).filter((k) => !Object.hasOwn(after, k)).sort();
  const changed = names(after).filter((k) => Object.hasOwn(before, k) && before[k] !== after[k]).sort();
  const parts: string[] = [];
  for (const [what, list] of [['added', added], ['removed', removed], ['changed', changed]] as const) {
    if (list.length > 0) parts.push(`${what} ${list.join(', ')}`);
  }
  if (parts.length === 0) return null;
  return `Warning: the new proxy pod ${pod} has another environment than your process started with (${parts.join('; ')}): `
    + 'the running process keeps the old values; restart telepresence to get the new ones';
}
