// The API clients for a resolved target, made once per target.
import type { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

import { loadClientNode } from './client-node.js';

export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Leases: a swapped Deployment's session says it is alive by renewing one. */
  coordination: CoordinationV1Api;
}

const made = new WeakMap<KubeConfig, KubeApis>();

export async function apisFor(target: { kubeConfig: KubeConfig }): Promise<KubeApis> {
  const k8s = await loadClientNode();
  let apis = made.get(target.kubeConfig);
  if (!apis) {
    apis = {
      core: target.kubeConfig.makeApiClient(k8s.CoreV1Api),
      apps: target.kubeConfig.makeApiClient(k8s.AppsV1Api),
      coordination: target.kubeConfig.makeApiClient(k8s.CoordinationV1Api),
    };
    made.set(target.kubeConfig, apis);
  }
  return apis;
}
