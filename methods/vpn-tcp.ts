// vpn-tcp: the whole workstation reaches the cluster. The engine plans the cluster's subnets against
// the host's routes (conflicts: VNAT by default); a TUN device gets the planned routes and hands each
// TCP connection to an SSH stream (src/vif); our DNS server becomes the host's resolver (src/dns).
import { existsSync } from 'node:fs';
import { translateEnvironment, tunRoutes, type Plan } from '../src/engine/index.js';
import { PlatformError } from '../src/errors.js';
import { podDnsLookup, startVpnDns, type Lookup, type PodLookup } from '../src/dns/index.js';
import { createHostResolverConfig } from '../src/host/resolver.js';
import { createRouteTable } from '../src/host/route-table.js';
import { startVif } from '../src/vif/index.js';
import { clusterDnsPolicy, clusterDomainOf, planClusterRoutes, planVnat, watchMappedNamespaces, type MappedNamespaces } from './cluster-routing.js';
import { takeHostLock } from './host-lock.js';
import type { Method, MethodContext, PreflightContext, UserProcessLaunch } from './method.js';

/** The TUN's own subnet: its address, the DNS address and the fake sources of redirected connections. */
const VIF_ADDRESS = '198.18.0.1/16';
const DNS_LISTEN = { host: '127.0.0.153', port: 53 };

/** Where the session's resolver gets the answers for cluster-bound names, and how it keeps them. */
export interface ClusterNames {
  lookup: Lookup;
  /** False for a local table that follows the cluster: no cache in front of it. */
  cacheClusterAnswers?: boolean;
  answerTtlSeconds?: number;
}

export class VpnTcpMethod implements Method {
  readonly name: 'vpn-tcp' | 'teleproxy' = 'vpn-tcp';
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
    const vnat = planVnat(plan);
    this.translate = vnat.translate;

    const vif = await startVif({
      address: VIF_ADDRESS, routes: tunRoutes(plan), undo: ctx.undo, log: ctx.log,
      connect: (ip, port) => ctx.openPodStream(ip, port), translate: vnat.toCluster,
    });
    ctx.log(`${this.name}: ${vif.name} routes ${tunRoutes(plan).join(', ')}`);

    const ns = ctx.cluster.namespace;
    const namespaces = await watchMappedNamespaces(ctx, this.name);
    const domain = clusterDomainOf(ctx.pod.resolv);
    const names = await this.clusterNames(ctx, pod, namespaces, domain);
    const dns = await startVpnDns({
      policy: clusterDnsPolicy(ctx, namespaces.names, domain),
      clusterLookup: names.lookup, cacheClusterAnswers: names.cacheClusterAnswers, answerTtlSeconds: names.answerTtlSeconds,
      translate: this.translate,
      isClusterIp: vnat.isClusterIp,
      listen: DNS_LISTEN, hostResolver: createHostResolverConfig(),
      resolved: { link: vif.name, routingDomains: [domain, 'svc', ns, ...ctx.config.dns.includeSuffixes], searchDomains: [`${ns}.svc.${domain}`] },
      lookupTimeoutMs: ctx.config.dns.lookupTimeoutMs, readyDeadlineMs: ctx.readyTimeoutMs, log: ctx.log, undo: ctx.undo, journal: ctx.journal,
    });
    namespaces.attach(dns.resolver); // and what changed while the DNS started
  }

  /** vpn-tcp: every cluster-bound question goes to the pod's DNS server, which asks the cluster's resolver. */
  protected async clusterNames(_ctx: MethodContext, pod: PodLookup, _namespaces: MappedNamespaces, _domain: string): Promise<ClusterNames> {
    return { lookup: pod.lookup };
  }

  private async plan(ctx: PreflightContext, lookup: ReturnType<typeof podDnsLookup>['lookup'] | null): Promise<Plan> {
    return planClusterRoutes(ctx, lookup, await createRouteTable().read());
  }

  wrap(launch: UserProcessLaunch): UserProcessLaunch {
    // IPs of VNAT'd subnets in the pod's environment become their virtual IPs.
    const env = translateEnvironment(launch.env, this.translate);
    return { argv: launch.argv, env };
  }
}
