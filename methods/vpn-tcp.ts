// vpn-tcp: the whole workstation reaches the cluster. The engine plans the cluster's subnets against
// the host's routes (conflicts: VNAT by default); a TUN device gets the planned routes and hands each
// TCP connection to an SSH stream (src/vif); our DNS server becomes the host's resolver (src/dns).
//
// Several sessions at once (vpn-tcp or teleproxy, other namespaces or clusters): each takes a host
// slot (host-lock.ts) with its own TUN subnet, DNS address and resolver backup; the kernel names its
// TUN (tp0, tp1, ...). A later session plans against the routes as they are, so an earlier one's TUN
// routes are conflicts like a VPN's, VNAT'd by default, and its virtual subnet moves off theirs; the
// plan and the TUN's routes are made under one host lock, so two sessions starting together never add
// the same route. DNS is a chain (src/host/resolver-chain.ts, src/dns/session-chain.ts): the newest
// session's server is the host's resolver; it answers its cluster's names except those of a namespace
// another live session works in, which it forwards as it forwards non-cluster names: to the resolver
// it replaced (the earlier session's DNS, at the bottom the original). Whoever ends first restores
// only its own part: on top it puts back what it replaced, below it hands that to the one above.
// The user process itself asks its own session: it runs in a private mount namespace whose
// /etc/resolv.conf names the session's second DNS server (the slot's process address), which answers
// every name of this session's cluster, so a namespace name two sessions work in is each one's own.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { translateEnvironment, tunRoutes, type Plan } from '../src/engine/index.js';
import type { HostRoute } from '../src/engine/types.js';
import { PlatformError } from '../src/errors.js';
import {
  answeredElsewhere, listenWorkstationDns, nameserverLookup, podDnsLookup, startVpnDns, WorkstationDns,
  type Lookup, type PodLookup, type VpnDns, type WorkstationDnsOptions,
} from '../src/dns/index.js';
import { createHostResolverConfig } from '../src/host/resolver.js';
import { withFileLock } from '../src/host/resolver-chain.js';
import { DEFAULT_RESOLV_CONF_PATHS } from '../src/host/resolver-resolvconf.js';
import { createRouteTable } from '../src/host/route-table.js';
import { startVif } from '../src/vif/index.js';
import {
  clusterDnsPolicy, clusterDomainOf, neighbourLines, planClusterRoutes, planVnat, watchMappedNamespaces, type MappedNamespaces, type NeighbourTun,
} from './cluster-routing.js';
import { LOCK_DIR, otherLiveSessions, processResolverOf, takeHostSlot, type HostSlot } from './host-lock.js';
import { prepareProcessResolver, processResolvConf, type ProcessResolver } from '../src/host/process-resolver.js';
import type { Method, MethodContext, PreflightContext, ProxyViaRelayClient, UserProcessLaunch } from './method.js';
import { namesRelay, proxyViaConnector, relayFirstLookup, unmatchedNamesLookup } from './proxy-via.js';

/** Held from the plan to the TUN's routes: a session starting beside another plans against its routes. */
const ROUTING_LOCK = path.join(LOCK_DIR, 'routing.lock');

/** The other live sessions' namespaces, read again at most every second (asked for each cluster-bound question). */
function neighbourNamespaces(): () => { pid: number; namespace: string }[] {
  let cached: { at: number; list: { pid: number; namespace: string }[] } | null = null;
  return () => {
    if (cached === null || Date.now() - cached.at >= 1000) {
      cached = { at: Date.now(), list: otherLiveSessions().flatMap((h) => (h.namespace ? [{ pid: h.pid, namespace: h.namespace }] : [])) };
    }
    return cached.list;
  };
}

/** The other live sessions' TUNs (those that opened one). */
function neighbourTuns(): NeighbourTun[] {
  return otherLiveSessions().flatMap((h) => (h.tun ? [{ tun: h.tun, pid: h.pid, namespace: h.namespace }] : []));
}

/**
 * The user process's own resolver: a second DNS server of the session, on the slot's process address,
 * with the same answers as the chain's but no `answeredElsewhere` (only this session's process asks it,
 * so every name of its cluster is its own, even a namespace name another session works in), and the
 * process's resolv.conf naming it. Without unshare (or the mount refused): one warning, the host's resolver.
 */
async function startProcessResolver(
  ctx: MethodContext, method: string, slot: number, answers: Omit<WorkstationDnsOptions, 'originalLookup'>, dns: VpnDns,
  namespaces: MappedNamespaces, searchFirst: string[],
): Promise<ProcessResolver | null> {
  const own = processResolverOf(slot);
  let stop: (() => Promise<void>) | undefined;
  try {
    const resolver = new WorkstationDns({ ...answers, originalLookup: async (name, type) => nameserverLookup(await dns.change.upstream())(name, type) });
    resolver.setMappedNamespaces(dns.resolver.mappedNamespaces);
    namespaces.onChange((names) => resolver.setMappedNamespaces(names));
    const listener = await listenWorkstationDns(resolver, { host: own.dnsAddress, port: 53 }, ctx.log);
    stop = () => listener.close();
    const text = processResolvConf(readFileSync(DEFAULT_RESOLV_CONF_PATHS.resolvConf, 'utf8'), { address: own.dnsAddress, pid: process.pid, searchFirst });
    const found = await prepareProcessResolver({ file: own.resolvConf, text, undo: ctx.undo, log: ctx.log, pathVar: process.env.PATH });
    ctx.undo.push(`stop the DNS server on ${own.dnsAddress}:53`, stop);
    ctx.log(`${method}: the user process's DNS server on ${own.dnsAddress}:53`);
    return found;
  } catch (err) {
    await stop?.();
    ctx.warn(`${method}: the user process keeps the host's resolver (its own in a mount namespace failed: ${err instanceof Error ? err.message : String(err)}); a namespace name another session also works in is answered by the newest session`);
    return null;
  }
}

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
  private slot: HostSlot | null = null;
  private processResolver: ProcessResolver | null = null;

  /** A wrong platform is a PlatformError (the one exit code for "not on this platform"). */
  checkSupported(): string | PlatformError | null {
    if (process.platform !== 'linux') return new PlatformError('vpn-tcp', process.platform, ['linux'], 'use --method inject-tcp');
    if (process.getuid?.() !== 0) return 'vpn-tcp changes routes and the DNS resolver: run telepresence as root (sudo), or use --method inject-tcp';
    if (!existsSync('/dev/net/tun')) return 'vpn-tcp needs a TUN device and /dev/net/tun does not exist: load the tun module (modprobe tun)';
    return null;
  }

  /** A conflict that cannot be resolved fails here, before the proxy pod or the host is touched. */
  async preflight(ctx: PreflightContext): Promise<void> {
    this.takeSlot(ctx);
    if (ctx.routing.alsoProxy.hostnames.length > 0) return; // they resolve in the pod: planned in prepare()
    this.preflightPlan = (await this.plan(ctx, null)).plan;
  }

  private takeSlot(ctx: PreflightContext): HostSlot {
    if (this.slot !== null) return this.slot;
    this.slot = takeHostSlot(ctx.journal, ctx.undo, { context: ctx.cluster.context, namespace: ctx.cluster.namespace });
    ctx.log(`${this.name}: host slot ${this.slot.index}: TUN address ${this.slot.vifAddress}, DNS ${this.slot.dnsAddress}:53`);
    return this.slot;
  }

  async prepare(ctx: MethodContext): Promise<void> {
    const slot = this.takeSlot(ctx);
    const pod = podDnsLookup(ctx.openPodStream, { port: ctx.podPorts.dns, timeoutMs: ctx.config.dns.lookupTimeoutMs });
    ctx.undo.push("close the stream to the pod's DNS server", () => pod.close());

    // Planned again beside other sessions: one may have added its TUN's routes since the preflight.
    const { vif, routes, vnat } = await withFileLock(ROUTING_LOCK, async () => {
      const beside = this.preflightPlan === null || otherLiveSessions().length > 0;
      const { plan, lines } = beside ? await this.plan(ctx, pod.lookup) : { plan: this.preflightPlan!, lines: [] };
      for (const line of lines) ctx.progress(line);
      const vnat = planVnat(plan);
      this.translate = vnat.translate;
      const routes = tunRoutes(plan);
      const vif = await startVif({
        address: slot.vifAddress, routes, undo: ctx.undo, log: ctx.log,
        connect: proxyViaConnector(ctx, vnat), translate: vnat.toCluster,
      });
      slot.tell({ tun: vif.name, routes });
      return { plan, vif, routes, vnat };
    }, 60_000);
    ctx.log(`${this.name}: ${vif.name} routes ${routes.join(', ')}`);
    ctx.journal.note?.({ routes });

    const ns = ctx.cluster.namespace;
    const namespaces = await watchMappedNamespaces(ctx, this.name);
    const domain = clusterDomainOf(ctx.pod.resolv);
    const names = await this.clusterNames(ctx, pod, namespaces, domain);
    const relay = namesRelay(ctx);
    if (relay !== undefined) ctx.log(`${this.name}: --proxy-via: names are resolved in ${relay.where} (${this.proxyViaNamesRule})`);
    // What both of the session's DNS servers answer with: the chain's (the host's) and the user process's own.
    const answers = {
      policy: clusterDnsPolicy(ctx, namespaces.names, domain),
      clusterLookup: this.withProxyVia(names.lookup, relay),
      unmatchedLookup: unmatchedNamesLookup(relay, vnat), cacheClusterAnswers: names.cacheClusterAnswers, answerTtlSeconds: names.answerTtlSeconds,
      translate: this.translate,
      isClusterIp: vnat.isClusterIp,
      lookupTimeoutMs: ctx.config.dns.lookupTimeoutMs, log: ctx.log,
    };
    const dns = await startVpnDns({
      ...answers,
      answeredElsewhere: answeredElsewhere([ns], neighbourNamespaces(), domain),
      listen: { host: slot.dnsAddress, port: 53 }, hostResolver: createHostResolverConfig(process.platform, { ...DEFAULT_RESOLV_CONF_PATHS, state: slot.resolverState }),
      resolved: { link: vif.name, routingDomains: [domain, 'svc', ns, ...ctx.config.dns.includeSuffixes], searchDomains: [`${ns}.svc.${domain}`] },
      readyDeadlineMs: ctx.readyTimeoutMs, undo: ctx.undo, journal: ctx.journal,
    });
    namespaces.attach(dns.resolver); // and what changed while the DNS started
    this.processResolver = await startProcessResolver(ctx, this.name, slot.index, answers, dns, namespaces,
      dns.change.method === 'systemd-resolved' ? [`${ns}.svc.${domain}`] : []);
  }

  /** How --proxy-via changes where cluster-bound names are answered (the log line says it). */
  protected readonly proxyViaNamesRule: string = "A questions of cluster names by the relay's RESOLVE, other types by the proxy pod";

  /** With --proxy-via, cluster-bound A questions go to the relay (Telepresence 2: the workload's agent resolves). */
  protected withProxyVia(lookup: Lookup, relay: ProxyViaRelayClient | undefined): Lookup {
    return relayFirstLookup(relay, lookup);
  }

  /** vpn-tcp: every cluster-bound question goes to the pod's DNS server, which asks the cluster's resolver. */
  protected async clusterNames(_ctx: MethodContext, pod: PodLookup, _namespaces: MappedNamespaces, _domain: string): Promise<ClusterNames> {
    return { lookup: pod.lookup };
  }

  private async plan(ctx: PreflightContext, lookup: Lookup | null): Promise<{ plan: Plan; lines: string[] }> {
    const routes: HostRoute[] = await createRouteTable().read();
    const neighbours = neighbourTuns();
    const plan = await planClusterRoutes(ctx, lookup, routes, neighbours);
    return { plan, lines: neighbourLines(plan, ctx.config.routing.virtualSubnet, routes, neighbours) };
  }

  wrap(launch: UserProcessLaunch): UserProcessLaunch {
    // IPs of VNAT'd subnets in the pod's environment become their virtual IPs.
    const env = translateEnvironment(launch.env, this.translate);
    // --run and --run-shell alike: in a mount namespace whose /etc/resolv.conf names this session's DNS.
    return { argv: this.processResolver?.wrap(launch.argv, env.PATH) ?? launch.argv, env };
  }
}
