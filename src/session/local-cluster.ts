// Step 2b: is the cluster on this machine (--local-cluster, or detected: its context or its API
// server's address)? Then the proxy pod asks a nameserver that is not this workstation's for names
// outside the cluster, as Telepresence 1 did: such a cluster's DNS falls back to this workstation,
// whose resolver (ours, with vpn-tcp) would send them straight back to the pod.
import { localClusterReason } from '../engine/index.js';
import { isLoopbackIp, tryParseIp } from '../engine/ip.js';
import type { HostRoute } from '../engine/types.js';
import { createRouteTable } from '../host/route-table.js';
import type { Cluster } from '../kube/index.js';
import { POD_ENV } from '../protocol/index.js';
import type { Session } from './session.js';

export interface LocalCluster {
  /** Why the session treats the cluster as local: `--local-cluster`, or the detection's reason. */
  reason: string;
  /** For the proxy program of a pod the session makes: TELEPRESENCE_NAMESERVER (and TELEPRESENCE_LOCAL_NAMES). */
  podEnv: Record<string, string>;
}

/**
 * The names that count as the cluster's besides its own (Telepresence 1: the --also-proxy host names; here
 * also dns.includeSuffixes, which the workstation sends to the pod), so they stay with the cluster's DNS.
 */
export function localNames(s: Pick<Session, 'options' | 'config'>): string[] {
  const suffixes = s.config.dns.includeSuffixes.map((x) => x.replace(/^\./, ''));
  return [...new Set([...s.options.routing.alsoProxy.hostnames, ...suffixes])];
}

export async function decideLocalCluster(
  s: Session, cluster: Pick<Cluster, 'context' | 'apiServerIps'>, readRoutes: () => Promise<HostRoute[]> = () => createRouteTable().read(),
): Promise<LocalCluster | null> {
  let reason = s.options.localCluster ? '--local-cluster' : null;
  if (reason === null && s.config.localCluster.detect) {
    const input = { context: cluster.context, apiServerIps: cluster.apiServerIps, routes: [] as HostRoute[] };
    reason = localClusterReason(input);
    // The route table only matters for an API server on an address that is not loopback: read only then.
    const needsRoutes = cluster.apiServerIps.some((ip) => {
      const parsed = tryParseIp(ip);
      return parsed !== null && !isLoopbackIp(parsed);
    });
    if (reason === null && needsRoutes) {
      input.routes = await readRoutes().catch((err: Error) => (s.log(`local cluster: cannot read the route table: ${err.message}`), []));
      reason = localClusterReason(input);
    }
  }
  if (reason === null) return null;
  const { nameserver } = s.config.localCluster;
  const names = localNames(s);
  const podEnv: Record<string, string> = { [POD_ENV.nameserver]: nameserver, ...(names.length > 0 ? { [POD_ENV.localNames]: names.join(',') } : {}) };
  const what = reason === '--local-cluster' ? 'Local cluster (--local-cluster)' : `Local cluster detected (${reason})`;
  if (s.options.deployment.kind === 'existing') {
    s.progress(`${what}: the pod of the existing Deployment ${s.options.deployment.name} is not changed, so it resolves names outside the cluster as its spec says; set ${POD_ENV.nameserver}=${nameserver} in its container to keep them off this workstation`);
  } else {
    s.progress(`${what}: the proxy pod resolves names outside the cluster through ${nameserver}, not through this workstation`);
  }
  s.log(`local cluster: ${reason}; proxy pod env ${Object.entries(podEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return { reason, podEnv };
}
