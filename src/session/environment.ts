// Step 5: the pod's environment (read over the tunnel) as the user process gets it, plus the
// TELEPRESENCE_* variables; written to --env-json / --env-file when asked.
import { writeFileSync } from 'node:fs';
import { proxyImage } from '../config/index.js';
import { clusterEnvironment, formatEnvFile, formatEnvJson } from '../engine/env-files.js';
import type { ProxyPod } from '../kube/index.js';
import { PROXY_CONTAINER } from '../protocol/index.js';
import type { Method, PodView } from '../../methods/method.js';
import { readPodInfo } from './pod-info.js';
import type { PodConnection, Session } from './session.js';

/** `root`: where the pod's root is mounted ($TELEPRESENCE_ROOT), '' when it is not. The environment and what else the pod told. */
export async function podEnvironment(s: Session, connection: PodConnection, pod: ProxyPod, method: Method, root = ''): Promise<PodView> {
  const info = await readPodInfo(connection.tunnel, proxyImage(s.env));
  const env = clusterEnvironment(info.env, {
    pod: pod.podName, container: PROXY_CONTAINER, method: method.name, mounts: info.mountpoints.join(':'), root,
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
