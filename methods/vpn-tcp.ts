// vpn-tcp: the whole workstation reaches the cluster. The engine plans the cluster's subnets against
// the host's routes (conflicts: VNAT by default); a TUN device gets the planned routes and hands each
// TCP connection to an SSH stream (src/vif); our DNS server becomes the host's resolver (src/dns).
import { existsSync } from 'node:fs';
import { covers, parseCidr, planRoutes, translateEnvironment, tunRoutes, VirtualIpAllocator, type Plan } from '../src/engine/index.js';
import { ConflictError, PlatformError } from '../src/errors.js';
import { podDnsLookup, startVpnDns, TYPE, type WorkstationDns } from '../src/dns/index.js';
import { createHostResolverConfig } from '../src/host/resolver.js';
import { createRouteTable } from '../src/host/route-table.js';
import { startVif } from '../src/vif/index.js';
import { takeHostLock } from './host-lock.js';
import type { Method, MethodContext, PreflightContext, UserProcessLaunch } from './method.js';

/** The TUN's own subnet: its address, the DNS address and the fake sources of redirected connections. */
const VIF_ADDRESS = '198.18.0.1/16';
const DNS_LISTEN = { host: '127.0.0.153', port: 53 };
export class VpnTcpMethod implements Method {
  readonly name = 'vpn-tcp' as const;
  readonly features = { needsRoot: true, coversWholeHost: true, udp: false, containers: false, routesSubnets: true };
  private translate: (ip: string) => string | undefined = () => undefined;
  private preflightPlan: Plan | null = null;
  private locked = false;

  /** A wrong platform is a PlatformError (the one exit code for "not on this platform"). */
  checkSupported(): string | PlatformError | null {
    if (process.platform !== 'linux') return new PlatformError('vpn-tcp', process.platform, ['linux'], 'use --method inject-tcp');
    if (process.getuid?.() !== 0) return 'vpn-tcp changes routes and the DNS resolver: run telepresence as root (sudo), or use --method inject-tcp';
    if (!existsSync('/dev/net/tun')) return 'vpn-tcp needs a TUN device and /dev/net/tun does not exist: load the tun module (modprobe tun)';
    return null;
  }

  /** A conflict that cannot be resolved fails here, before the proxy pod or the host is touched. */
  async preflight(ctx: PreflightContext): Promise<void> {
    takeHostLock(ctx.journal, ctx.undo);
    this.locked = true;
    if (ctx.routing.alsoProxy.hostnames.length > 0) return; // they resolve in the pod: planned in prepare()
    this.preflightPlan = await this.plan(ctx, null);
  }

  async prepare(ctx: MethodContext): Promise<void> {
    if (!this.locked) takeHostLock(ctx.journal, ctx.undo);
    const pod = podDnsLookup(ctx.openPodStream, { port: ctx.podPorts.dns, timeoutMs: ctx.config.dns.lookupTimeoutMs });
    ctx.undo.push("close the stream to the pod's DNS server", () => pod.close());

    const plan = this.preflightPlan ?? await this.plan(ctx, pod.lookup);
    const allocator = new VirtualIpAllocator(plan.virtualSubnet);
    const vnatted = (ip: string) => plan.translations.some((t) => covers(t.cidr, parseCidr(ip)));
    this.translate = (ip) => (vnatted(ip) ? allocator.translate(ip) : undefined);
    const toCluster = (ip: string) => (covers(plan.virtualSubnet, parseCidr(ip)) ? allocator.clusterIpOf(ip) ?? ip : ip);

    const vif = await startVif({
      address: VIF_ADDRESS, routes: tunRoutes(plan), undo: ctx.undo, log: ctx.log,
      connect: (ip, port) => ctx.openPodStream(ip, port), translate: toCluster,
    });
    ctx.log(`vpn-tcp: ${vif.name} routes ${tunRoutes(plan).join(', ')}`);

    const ns = ctx.cluster.namespace;
    // `svc.ns` resolves for every namespace of the cluster (Telepresence 1 promises `yourservice.default`),
    // and follows namespaces created or deleted while the session runs.
    let resolver: WorkstationDns | null = null; // set once our DNS server runs
    const mapped = (names: readonly string[]) => [...new Set([ns, ...names])].sort();
    let latest = [ns];
    const namespaces = await ctx.cluster.watchNamespaces((names) => {
      latest = mapped(names);
      if (resolver?.setMappedNamespaces(latest)) ctx.log(`vpn-tcp: namespaces now ${latest.join(', ')}`);
    });
    ctx.undo.push('stop the watch of namespaces', () => namespaces.stop());
    latest = mapped(namespaces.names);
    ctx.log(`vpn-tcp: names of namespaces ${latest.join(', ')} resolve in the cluster`);
    const dns = await startVpnDns({
      policy: {
        clusterDomain: 'cluster.local', includeSuffixes: [...ctx.config.dns.includeSuffixes],
        excludeSuffixes: [...ctx.config.dns.excludeSuffixes], excludes: [], mappedNamespaces: latest,
        searchPath: [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
      },
      clusterLookup: pod.lookup, translate: this.translate,
      isClusterIp: (ip) => plan.subnets.some((s) => covers(s.cidr, parseCidr(ip))),
      listen: DNS_LISTEN, hostResolver: createHostResolverConfig(),
      resolved: { link: vif.name, routingDomains: ['cluster.local', 'svc', ns, ...ctx.config.dns.includeSuffixes], searchDomains: [`${ns}.svc.cluster.local`] },
      lookupTimeoutMs: ctx.config.dns.lookupTimeoutMs, readyDeadlineMs: ctx.readyTimeoutMs, log: ctx.log, undo: ctx.undo, journal: ctx.journal,
    });
    resolver = dns.resolver;
    resolver.setMappedNamespaces(latest); // what changed while the DNS started
  }

  /** The engine's plan for the discovered subnets, --also-proxy (hostnames resolved in the pod) and the host's routes. */
  private async plan(ctx: PreflightContext, lookup: ReturnType<typeof podDnsLookup>['lookup'] | null): Promise<Plan> {
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
      routing: ctx.config.routing, routes: await createRouteTable().read(),
    });
    for (const s of plan.subnets) ctx.log(`plan: ${s.cidr} (${s.source}) ${s.action}${s.conflictsWith ? ` conflicts with ${s.conflictsWith}` : ''}`);
    if (plan.errors.length > 0) throw new ConflictError(plan.errors.join('; '));
    return plan;
  }

  wrap(launch: UserProcessLaunch): UserProcessLaunch {
    // IPs of VNAT'd subnets in the pod's environment become their virtual IPs.
    const env = translateEnvironment(launch.env, this.translate);
    return { argv: launch.argv, env };
  }
}
