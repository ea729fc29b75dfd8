// hostPort, as the CNI portmap plugin applies it: the node's address (status.hostIP, the gateway in
// tp-node) and the hostPort DNAT to the pod's IP and containerPort, hairpin traffic SNATed like a
// Service's. When two pods ask for one hostPort the older pod keeps it (the scheduler would refuse the
// second; this one-node cluster has no scheduler). Pure.
import crypto from 'node:crypto';

import type { Pod } from './pod-types.js';

export interface HostPortMapping {
  hostPort: number;
  protocol: string;
  podIp: string;
  containerPort: number;
  pod: string;
}

/** The hostPorts of running pods, one owner per port and protocol. */
export function hostPortMappings(pods: Iterable<Pod>): HostPortMapping[] {
  const live = [...pods].filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(String(p.status?.phase)))
    .sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || a.metadata.name.localeCompare(b.metadata.name));
  const taken = new Map<string, HostPortMapping>();
  for (const pod of live) {
    for (const c of pod.spec.containers) {
      for (const port of (c.ports ?? []) as { hostPort?: number; containerPort: number; protocol?: string }[]) {
        if (!port.hostPort) continue;
        const protocol = (port.protocol ?? 'TCP').toLowerCase();
        const key = `${port.hostPort}/${protocol}`;
        if (!taken.has(key)) taken.set(key, { hostPort: port.hostPort, protocol, podIp: String(pod.status!.podIP), containerPort: port.containerPort, pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
      }
    }
  }
  return [...taken.values()].sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol));
}

/** Chains and rules for the nat table (appended to kube-proxy's text); `mark` is the masquerade mark. */
export function hostPortRules(mappings: readonly HostPortMapping[], nodeIp: string, mark: string): { chains: string[]; rules: string[] } {
  if (mappings.length === 0) return { chains: [], rules: [] };
  const chains = ['TP-HOSTPORTS'];
  const rules = [`-A PREROUTING -d ${nodeIp}/32 -j TP-HOSTPORTS`, `-A OUTPUT -d ${nodeIp}/32 -j TP-HOSTPORTS`];
  for (const m of mappings) {
    const name = `TP-HP-${crypto.createHash('sha256').update(`${m.hostPort}/${m.protocol}/${m.podIp}:${m.containerPort}`).digest('hex').slice(0, 16).toUpperCase()}`;
    chains.push(name);
    rules.push(`-A TP-HOSTPORTS -p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort} -j ${name}`,
      `-A ${name} -s ${m.podIp}/32 -j MARK --set-xmark ${mark}`,
      `-A ${name} -p ${m.protocol} -m ${m.protocol} -j DNAT --to-destination ${m.podIp}:${m.containerPort}`);
  }
  return { chains, rules };
}
