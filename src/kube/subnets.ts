// Discovers the cluster's subnets for the routing plan: pod subnets from nodes' podCIDRs (else covering
// CIDRs of pod IPs), the service subnet from the API server's refusal of an out-of-range clusterIP.
import crypto from 'node:crypto';

import type { V1Pod } from '@kubernetes/client-node';

import { coveringCidrs } from '../engine/covering.js';
import { ClusterError } from '../errors.js';
import { apiFailure, isNotFound } from './api-errors.js';
import { apisFor, type KubeApis } from './clients.js';
import { SESSION_LABEL } from './proxy-spec.js';
import { podSubnetsFromNodes, podSubnetsFromPods, serviceRangeFromError } from './subnet-text.js';
import type { ClusterTarget } from './target.js';

export interface ClusterSubnets {
  podSubnets: string[];
  serviceSubnets: string[];
}

/** An address no service range holds in practice (a public anycast address). */
const OUT_OF_RANGE_IP = '1.1.1.1';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

export async function discoverSubnets(target: Target): Promise<ClusterSubnets> {
  const apis = await apisFor(target);
  const [podSubnets, serviceSubnets] = await Promise.all([podSubnetsOf(apis, target), serviceSubnetsOf(apis, target)]);
  return { podSubnets, serviceSubnets };
}

async function podSubnetsOf(apis: KubeApis, target: Target): Promise<string[]> {
  try {
    const fromNodes = podSubnetsFromNodes((await apis.core.listNode()).items.map((n) => n.spec ?? {}));
    if (fromNodes.length) return fromNodes;
  } catch (err) {
    // Nodes are cluster-scoped and often not readable by namespace users: fall back to pod IPs.
    if (apiFailure(err).code !== 403) throw listError('nodes', err, target);
  }
  let pods: V1Pod[];
  try {
    pods = (await apis.core.listPodForAllNamespaces()).items;
  } catch (err) {
    if (apiFailure(err).code !== 403) throw listError('pods', err, target);
    pods = (await apis.core.listNamespacedPod({ namespace: target.namespace })).items;
  }
  return podSubnetsFromPods(pods.map((p) => ({
    hostNetwork: p.spec?.hostNetwork,
    podIPs: p.status?.podIPs?.map((a) => a.ip) ?? (p.status?.podIP ? [p.status.podIP] : []),
  })));
}

async function serviceSubnetsOf(apis: KubeApis, target: Target): Promise<string[]> {
  const { namespace } = target;
  const name = `telepresence-subnet-probe-${crypto.randomBytes(3).toString('hex')}`;
  const body = {
    metadata: { name, labels: { [SESSION_LABEL]: name } },
    spec: { type: 'ClusterIP', clusterIP: OUT_OF_RANGE_IP, ports: [{ port: 80, targetPort: 80 }] },
  };
  try {
    await apis.core.createNamespacedService({ namespace, body });
  } catch (err) {
    const f = apiFailure(err);
    const range = serviceRangeFromError(f.message);
    if (range.length) return range;
    if (f.code === undefined) throw listError('a Service', err, target);
    return serviceSubnetsFromClusterIps(apis, target, `the API server did not name the service range (${f.message})`);
  }
  // Created after all: the range holds that address; take it away again and fall back.
  try {
    await apis.core.deleteNamespacedService({ name, namespace });
  } catch (err) {
    if (!isNotFound(err)) throw new ClusterError(`cannot delete the probe Service ${name} in namespace "${namespace}": ${apiFailure(err).message}; delete it with kubectl`);
  }
  return serviceSubnetsFromClusterIps(apis, target, `the API server accepted clusterIP ${OUT_OF_RANGE_IP}`);
}

/** The covering CIDRs of existing ClusterIPs, when the API server does not say its range. */
async function serviceSubnetsFromClusterIps(apis: KubeApis, target: Target, why: string): Promise<string[]> {
  let ips: string[];
  try {
    ips = (await apis.core.listServiceForAllNamespaces()).items.flatMap((s) => s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : []));
  } catch (err) {
    if (apiFailure(err).code !== 403) throw listError('services', err, target);
    ips = (await apis.core.listNamespacedService({ namespace: target.namespace })).items.flatMap((s) => s.spec?.clusterIPs ?? []);
  }
  ips = ips.filter((ip) => ip && ip !== 'None');
  if (ips.length === 0) throw new ClusterError(`cannot find the service subnet of context "${target.context}": ${why} and no Service has a ClusterIP; pass --service-subnet CIDR`);
  return coveringCidrs(ips);
}

function listError(what: string, err: unknown, target: Target): ClusterError {
  return new ClusterError(`cannot read ${what} to find the cluster's subnets (context "${target.context}"): ${apiFailure(err).message}; pass --pod-subnet and --service-subnet`);
}
