// Reading subnets out of API answers (pure): the service range from the API server's refusal of an
// out-of-range clusterIP, and pod subnets from nodes' podCIDR(s) or, lacking those, from pod IPs.
import { coveringCidrs, uniqueSubnets } from '../engine/covering.js';
import { tryNet, formatNet } from '../engine/cidr.js';

/**
 * CIDRs named by `The range of valid IPs is <CIDR>` (one per family on dual-stack clusters), canonical;
 * empty when the message does not have that form.
 */
export function serviceRangeFromError(message: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(/range of valid IPs is ([0-9A-Fa-f.:/, ]+)/g)) {
    for (const part of m[1].split(/[ ,]+/)) {
      const net = part.includes('/') ? tryNet(part) : null;
      if (net) out.push(formatNet(net));
    }
  }
  return uniqueSubnets(out);
}

export interface NodeCidrs {
  podCIDR?: string;
  podCIDRs?: string[];
}

/** Every node's podCIDRs (podCIDR when the list is absent), canonical and unique; empty when none is set. */
export function podSubnetsFromNodes(nodes: readonly NodeCidrs[]): string[] {
  const cidrs: string[] = [];
  for (const n of nodes) {
    for (const c of n.podCIDRs?.length ? n.podCIDRs : n.podCIDR ? [n.podCIDR] : []) {
      const net = tryNet(c);
      if (net) cidrs.push(formatNet(net));
    }
  }
  return uniqueSubnets(cidrs);
}

export interface PodAddresses {
  hostNetwork?: boolean;
  podIPs?: string[];
}

/** Covering CIDRs of the pods' own IPs; host-network pods carry node addresses and are left out. */
export function podSubnetsFromPods(pods: readonly PodAddresses[]): string[] {
  const ips = pods.filter((p) => !p.hostNetwork).flatMap((p) => p.podIPs ?? []).filter((ip) => tryNet(ip) !== null);
  return ips.length ? coveringCidrs(ips) : [];
}
