// What the methods that route the cluster's subnets share: the engine's plan for the discovered
// subnets, --also-proxy (hostnames resolved in the pod) and a route table (the host's, or a container
// namespace's), the DNS name policy of the session's namespace, and `svc.ns` names that follow the
// cluster's namespaces while the session runs.
import { covers, overlaps, parseCidr, planRoutes, VirtualIpAllocator, type DnsPolicy, type Plan } from '../src/engine/index.js';
import { ipv4ToInt } from '../src/engine/ip.js';
import { ConflictError } from '../src/errors.js';
import { TYPE, type Lookup, type WorkstationDns } from '../src/dns/index.js';
import type { HostRoute } from '../src/engine/types.js';
import { resolvConfSearch } from '../src/host/resolv-conf.js';
import type { MethodContext, PreflightContext } from './method.js';

/** Another live session's TUN on this workstation (methods/host-lock.ts), as its routes name it. */
export interface NeighbourTun {
  tun: string;
  pid: number;
  namespace?: string;
}

function overlapsSafe(a: string, b: string): boolean {
  try {
    return overlaps(a, b);
  } catch {
    return false;
  }
}

/** The route of another session's TUN that overlaps `cidr`, with that session. */
function neighbourRoute(cidr: string, routes: readonly HostRoute[], neighbours: readonly NeighbourTun[]): { route: HostRoute; by: NeighbourTun } | undefined {
  for (const route of routes) {
    const by = neighbours.find((n) => n.tun === route.dev);
    if (by !== undefined && overlapsSafe(route.dst, cidr)) return { route, by };
  }
  return undefined;
}

/**
 * The virtual subnet of a session beside others: the configured one, unless another session's TUN
 * routes part of it (that one VNATs too); then the first next range of the same size that no such
 * route overlaps (246.246.0.0/16, 246.247.0.0/16, ...). Other conflicts stay the engine's to report.
 */
export function virtualSubnetBeside(configured: string, routes: readonly HostRoute[], neighbours: readonly NeighbourTun[]): string {
  const [ip, bits] = configured.split('/');
  const start = ipv4ToInt(ip ?? '');
  const prefix = Number(bits);
  if (start === null || !(prefix >= 8 && prefix <= 30)) return configured;
  const size = 2 ** (32 - prefix);
  for (let k = 0; k < 64; k++) {
    const network = start + k * size;
    if (network + size > 2 ** 32) break;
    const cidr = `${[24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.')}/${prefix}`;
    if (neighbourRoute(cidr, routes, neighbours) === undefined) return cidr;
  }
  return configured;
}

/**
 * The progress lines of a plan made beside other sessions: each subnet VNAT'd because another
 * session's TUN routes it, and a virtual subnet moved off another session's.
 */
export function neighbourLines(plan: Plan, configuredVirtual: string, routes: readonly HostRoute[], neighbours: readonly NeighbourTun[]): string[] {
  const whose = (n: NeighbourTun) => `another telepresence session's TUN ${n.tun} (pid ${n.pid}${n.namespace ? `, namespace ${n.namespace}` : ''})`;
  const lines: string[] = [];
  for (const s of plan.subnets) {
    if (s.action !== 'vnat' || s.conflictsWith === null) continue;
    const found = neighbourRoute(s.cidr, routes, neighbours);
    if (found) lines.push(`${s.cidr} is routed by ${whose(found.by)}: VNAT, this session reaches it through virtual IPs in ${plan.virtualSubnet}`);
  }
  if (plan.virtualSubnet !== configuredVirtual && plan.translations.length > 0) {
    const found = neighbourRoute(configuredVirtual, routes, neighbours);
    if (found) lines.push(`the virtual subnet ${configuredVirtual} is routed by ${whose(found.by)}: this session uses ${plan.virtualSubnet}`);
  }
  return lines;
}

/**
 * The plan, each subnet's line logged; a conflict that cannot be resolved is a ConflictError. Beside
 * other sessions (`neighbours`) their TUN routes are conflicts like a VPN's (VNAT'd by default), and
 * the virtual subnet is moved off theirs (virtualSubnetBeside).
 */
export async function planClusterRoutes(ctx: PreflightContext, lookup: Lookup | null, routes: HostRoute[], neighbours: readonly NeighbourTun[] = []): Promise<Plan> {
  const subnets = await ctx.cluster.discoverSubnets();
  const alsoProxy = [...ctx.routing.alsoProxy.cidrs];
  for (const host of ctx.routing.alsoProxy.hostnames) {
    if (!lookup) throw new Error('also-proxy hostnames are resolved in the pod: plan them in prepare()');
    const answer = await lookup(host, TYPE.A);
    const ips = answer.answers.filter((r) => r.type === TYPE.A).map((r) => `${(r as { address: string }).address}/32`);
    if (ips.length === 0) throw new ConflictError(`--also-proxy ${host}: the name does not resolve in the cluster`);
    alsoProxy.push(...ips);
  }
  const plan = planRoutes({
    serviceSubnets: subnets.serviceSubnets, podSubnets: subnets.podSubnets, alsoProxy,
    apiServerIps: [...ctx.cluster.apiServerIps], vnat: [...ctx.routing.vnat],
    routing: { ...ctx.config.routing, virtualSubnet: virtualSubnetBeside(ctx.config.routing.virtualSubnet, routes, neighbours) }, routes,
  });
  for (const s of plan.subnets) ctx.log(`plan: ${s.cidr} (${s.source}) ${s.action}${s.conflictsWith ? ` conflicts with ${s.conflictsWith}` : ''}`);
  if (plan.errors.length > 0) throw new ConflictError(plan.errors.join('; '));
  return plan;
}

/**
 * The cluster's DNS domain, from the pod's resolv.conf: its search path has `<ns>.svc.<domain>` (the
 * kubelet writes `<ns>.svc.<domain> svc.<domain> <domain>`); cluster.local when it says nothing.
 */
export function clusterDomainOf(resolv: string): string {
  for (const suffix of resolvConfSearch(resolv)) {
    const m = /^[^.]+\.svc\.(.+?)\.?$/.exec(suffix.toLowerCase());
    if (m) return m[1]!;
  }
  return 'cluster.local';
}

/** The session namespace's DNS policy: the cluster domain, its search path, the config's suffixes. */
export function clusterDnsPolicy(ctx: MethodContext, mappedNamespaces: readonly string[], clusterDomain = 'cluster.local'): DnsPolicy {
  const ns = ctx.cluster.namespace;
  return {
    clusterDomain, includeSuffixes: [...ctx.config.dns.includeSuffixes],
    excludeSuffixes: [...ctx.config.dns.excludeSuffixes], excludes: [], mappedNamespaces: [...mappedNamespaces],
    searchPath: [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain],
  };
}

/** The session's mapped namespaces (watchMappedNamespaces). */
export interface MappedNamespaces {
  readonly names: readonly string[];
  attach(resolver: WorkstationDns): void;
  /** Also tell `listener` of each new list (teleproxy's per-namespace watches follow it). */
  onChange(listener: (names: readonly string[]) => void): void;
}

/**
 * `svc.ns` resolves for every namespace of the cluster (Telepresence 1 promises `yourservice.default`), and
 * follows namespaces created or deleted while the session runs: the names now, and attach() for the
 * resolver once it runs (what changed meanwhile is applied then). The watch stops with the session.
 */
export async function watchMappedNamespaces(ctx: MethodContext, method: string): Promise<MappedNamespaces> {
  const ns = ctx.cluster.namespace;
  let resolver: WorkstationDns | null = null;
  const listeners: ((names: readonly string[]) => void)[] = [];
  const mapped = (names: readonly string[]) => [...new Set([ns, ...names])].sort();
  let latest = [ns];
  const namespaces = await ctx.cluster.watchNamespaces((names) => {
    latest = mapped(names);
    if (resolver?.setMappedNamespaces(latest)) ctx.log(`${method}: namespaces now ${latest.join(', ')}`);
    for (const l of listeners) l(latest);
  });
  ctx.undo.push('stop the watch of namespaces', () => namespaces.stop());
  latest = mapped(namespaces.names);
  ctx.log(`${method}: names of namespaces ${latest.join(', ')} resolve in the cluster`);
  return {
    names: latest,
    attach(r) {
      resolver = r;
      r.setMappedNamespaces(latest);
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

/** The plan's VNAT both ways, and where each translated address leaves the cluster. */
export interface PlanVnat {
  /** A cluster IP's virtual IP (undefined outside VNAT'd subnets). */
  translate(ip: string): string | undefined;
  /** A virtual IP's cluster IP (any other address as it is). */
  toCluster(ip: string): string;
  isClusterIp(ip: string): boolean;
  /**
   * The via of the most specific translation covering the cluster IP of `ip` (a virtual IP, or a cluster
   * IP itself): 'local', a --proxy-via workload, or undefined when no translation covers it.
   */
  viaOf(ip: string): string | undefined;
}

export function planVnat(plan: Plan): PlanVnat {
  const allocator = new VirtualIpAllocator(plan.virtualSubnet);
  const vnatted = (ip: string) => plan.translations.some((t) => covers(t.cidr, parseCidr(ip)));
  // Nested translations stay in the plan; the most specific one applies.
  const bySpecificity = [...plan.translations].sort((a, b) => Number(b.cidr.split('/')[1]) - Number(a.cidr.split('/')[1]));
  const toCluster = (ip: string) => (covers(plan.virtualSubnet, parseCidr(ip)) ? allocator.clusterIpOf(ip) ?? ip : ip);
  return {
    translate: (ip) => (vnatted(ip) ? allocator.translate(ip) : undefined),
    toCluster,
    isClusterIp: (ip) => plan.subnets.some((s) => covers(s.cidr, parseCidr(ip))),
    viaOf: (ip) => {
      const cluster = parseCidr(toCluster(ip));
      return bySpecificity.find((t) => covers(t.cidr, cluster))?.via;
    },
  };
}

