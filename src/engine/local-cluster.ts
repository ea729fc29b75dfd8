// Is the cluster running on this machine (minikube, kind, k3d, Docker Desktop, a VM on a host-only
// network)? Such a cluster can reach this workstation: its DNS falls back to our resolver and its node's
// default route leads here, so names and connections it cannot place come back (Telepresence 1's
// "local clusters"). Pure: the caller reads the context, the API server's addresses and the route table.
import { covers, parseCidr } from './cidr.js';
import { isLoopbackIp, tryParseIp } from './ip.js';
import type { HostRoute } from './types.js';

export interface LocalClusterInput {
  context: string;
  /** The API server's addresses (the kubeconfig's server, resolved). */
  apiServerIps: readonly string[];
  /** The workstation's routes; only read for an API server address in a private range. */
  routes: readonly HostRoute[];
}

/** Contexts the local cluster tools name: minikube, Docker Desktop (and its older name), kind-NAME, k3d-NAME. */
export function isLocalClusterContext(context: string): boolean {
  return ['minikube', 'docker-desktop', 'docker-for-desktop'].includes(context) || /^(kind|k3d)-./.test(context);
}

/** Ranges a host-only network, a VM bridge or a container bridge uses (RFC 1918, CGNAT, link-local, ULA). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'];

/**
 * Narrower than a VPN's usual catch-all (10.0.0.0/8 dev tun0): a host-only or bridge network is a /24
 * or a /16 (docker0 172.17.0.0/16, minikube 192.168.49.0/24, VirtualBox 192.168.56.0/24).
 */
const MIN_LINK_PREFIX = { 4: 16, 6: 48 } as const;

/** The route the kernel would take to `ip` (longest prefix, then lowest metric), among unicast routes of table main. */
export function routeTo(ip: string, routes: readonly HostRoute[]): HostRoute | null {
  const host = parseCidr(ip);
  let best: HostRoute | null = null;
  let bestPrefix = -1;
  for (const r of routes) {
    if (r.table !== 'main' || r.type !== 'unicast') continue;
    if (!covers(r.dst, host)) continue; // another family never covers
    const prefix = Number(r.dst.split('/')[1]);
    if (prefix > bestPrefix || (prefix === bestPrefix && (r.metric ?? 0) < (best?.metric ?? 0))) {
      best = r;
      bestPrefix = prefix;
    }
  }
  return best;
}

/**
 * Why the cluster counts as local, or null: its context is one of the local tools', or its API server
 * is on a loopback address, or on a private address this workstation reaches over a link of its own
 * (a direct route through a device, no gateway: a host-only network or a bridge to a VM or container).
 */
export function localClusterReason(input: LocalClusterInput): string | null {
  if (isLocalClusterContext(input.context)) return `context ${input.context}`;
  for (const text of input.apiServerIps) {
    const ip = tryParseIp(text);
    if (ip === null) continue;
    if (isLoopbackIp(ip)) return `API server ${text} is a loopback address`;
    const host = parseCidr(text);
    if (!PRIVATE_RANGES.some((range) => covers(range, host))) continue;
    const route = routeTo(text, input.routes);
    if (route === null || route.isDefault || route.gateway !== null || route.dev === null) continue;
    if (Number(route.dst.split('/')[1]) < MIN_LINK_PREFIX[ip.family]) continue;
    return `API server ${text} is on a link of this workstation (${route.dst} dev ${route.dev})`;
  }
  return null;
}
