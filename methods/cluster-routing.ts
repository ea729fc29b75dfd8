// What the methods that route the cluster's subnets share: the engine's plan for the discovered
// subnets, --also-proxy (hostnames resolved in the pod) and a route table (the host's, or a container
// namespace's), the DNS name policy of the session's namespace, and `svc.ns` names that follow the
// cluster's namespaces while the session runs.
import { covers, parseCidr, planRoutes, VirtualIpAllocator, type DnsPolicy, type Plan } from '../src/engine/index.js';
import { ConflictError } from '../src/errors.js';
import { TYPE, type podDnsLookup, type WorkstationDns } from '../src/dns/index.js';
import type { HostRoute } from '../src/engine/types.js';
import type { MethodContext, PreflightContext } from './method.js';

type PodLookupFn = ReturnType<typeof podDnsLookup>['lookup'];

/** The plan, each subnet's line logged; a conflict that cannot be resolved is a ConflictError. */
export async function planClusterRoutes(ctx: PreflightContext, lookup: PodLookupFn | null, routes: HostRoute[]): Promise<Plan> {
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
    routing: ctx.config.routing, routes,
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
  for (const line of resolv.split('\n')) {
    const [keyword, ...args] = line.trim().split(/\s+/);
    if (keyword !== 'search') continue;
    for (const suffix of args) {
      const m = /^[^.]+\.svc\.(.+?)\.?$/.exec(suffix.toLowerCase());
      if (m) return m[1]!;
    }
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

/**
 * `svc.ns` resolves for every namespace of the cluster (Telepresence 1 promises `yourservice.default`), and
 * follows namespaces created or deleted while the session runs: the names now, and attach() for the
 * resolver once it runs (what changed meanwhile is applied then). The watch stops with the session.
 */
export interface MappedNamespaces {
  readonly names: readonly string[];
  attach(resolver: WorkstationDns): void;
  /** Also tell `listener` of each new list (teleproxy's per-namespace watches follow it). */
  onChange(listener: (names: readonly string[]) => void): void;
}

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

/** The plan's VNAT both ways: a cluster IP's virtual IP (undefined outside VNAT'd subnets) and back. */
export function planVnat(plan: Plan): { translate(ip: string): string | undefined; toCluster(ip: string): string; isClusterIp(ip: string): boolean } {
  const allocator = new VirtualIpAllocator(plan.virtualSubnet);
  const vnatted = (ip: string) => plan.translations.some((t) => covers(t.cidr, parseCidr(ip)));
  return {
    translate: (ip) => (vnatted(ip) ? allocator.translate(ip) : undefined),
    toCluster: (ip) => (covers(plan.virtualSubnet, parseCidr(ip)) ? allocator.clusterIpOf(ip) ?? ip : ip),
    isClusterIp: (ip) => plan.subnets.some((s) => covers(s.cidr, parseCidr(ip))),
  };
}
