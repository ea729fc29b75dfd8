// teleproxy: vpn-tcp's VIF, plan and resolver, with the cluster's names answered on the workstation
// from a live watch of Services, Endpoints and Pods (src/kube/dns-watch.ts into src/dns/cluster-table.ts):
// no DNS question travels to the cluster, and answers follow the cluster as the API reports changes.
// --also-proxy hostnames are the exception: they are resolved once, in the pod, to plan their routes.
import { ClusterDnsTable, Packet, RCODE, TYPE, type Lookup, type PodLookup } from '../src/dns/index.js';
import { describeDnsWatch, type DnsKind, type DnsSink } from '../src/kube/dns-watch.js';
import { PROBE_ANSWER, PROBE_PREFIX, type DnsEndpoints, type DnsPod, type DnsService } from '../src/protocol/index.js';
import type { MappedNamespaces } from './cluster-routing.js';
import type { MethodContext } from './method.js';
import { VpnTcpMethod, type ClusterNames } from './vpn-tcp.js';

/** A changed Service must show at once: stubs that cache (systemd-resolved) keep an answer this long at most. */
const TELEPROXY_TTL_SECONDS = 1;

/** The readiness probes (`hellotelepresence-*`) are answered here as the pod would: they prove the host's resolver path. */
function probeResult(name: string, type: number) {
  const answers = type === TYPE.A ? [{ name, type: TYPE.A, class: Packet.CLASS.IN, ttl: 0, address: PROBE_ANSWER }] : [];
  return { rcode: RCODE.NOERROR, answers } as Awaited<ReturnType<Lookup>>;
}

/** The watch's events into the table; a relist of one kind first drops what the table holds of that kind. */
export class TableSink implements DnsSink {
  private readonly held = { services: new Map<string, [string, string]>(), endpoints: new Map<string, [string, string, string]>(), pods: new Map<string, [string, string]>() };
  constructor(private readonly table: ClusterDnsTable) {}
  upsertService(s: DnsService): void {
    this.held.services.set(`${s.namespace}/${s.name}`, [s.namespace, s.name]);
    this.table.upsertService(s);
  }
  deleteService(namespace: string, name: string): void {
    this.held.services.delete(`${namespace}/${name}`);
    this.table.deleteService(namespace, name);
  }
  upsertEndpoints(e: DnsEndpoints): void {
    this.held.endpoints.set(`${e.namespace}/${e.key}`, [e.namespace, e.service, e.key]);
    this.table.upsertEndpoints(e);
  }
  deleteEndpoints(namespace: string, service: string, key: string): void {
    this.held.endpoints.delete(`${namespace}/${key}`);
    this.table.deleteEndpoints(namespace, service, key);
  }
  upsertPod(p: DnsPod): void {
    this.held.pods.set(`${p.namespace}/${p.name}`, [p.namespace, p.name]);
    this.table.upsertPod(p);
  }
  deletePod(namespace: string, name: string): void {
    this.held.pods.delete(`${namespace}/${name}`);
    this.table.deletePod(namespace, name);
  }
  reset(kind: DnsKind): void {
    if (kind === 'services') for (const [ns, name] of [...this.held.services.values()]) this.deleteService(ns, name);
    else if (kind === 'pods') for (const [ns, name] of [...this.held.pods.values()]) this.deletePod(ns, name);
    else for (const [ns, svc, key] of [...this.held.endpoints.values()]) this.deleteEndpoints(ns, svc, key);
  }
}

export class TeleproxyMethod extends VpnTcpMethod {
  override readonly name = 'teleproxy' as const;

  protected override async clusterNames(ctx: MethodContext, _pod: PodLookup, namespaces: MappedNamespaces, domain: string): Promise<ClusterNames> {
    const table = new ClusterDnsTable({ clusterDomain: domain, sessionNamespace: ctx.cluster.namespace, ttlSeconds: TELEPROXY_TTL_SECONDS });
    const watch = await ctx.cluster.watchClusterDns(new TableSink(table), { namespaces: namespaces.names, log: ctx.log });
    ctx.undo.push('stop the watch of Services, Endpoints and Pods', () => watch.stop());
    namespaces.onChange((names) => watch.setNamespaces(names));
    ctx.progress(`${describeDnsWatch(watch)} (cluster domain ${domain})`);
    return {
      lookup: async (name, type) => (name.toLowerCase().startsWith(PROBE_PREFIX) ? probeResult(name, type) : table.lookup(name, type)),
      cacheClusterAnswers: false,
      answerTtlSeconds: TELEPROXY_TTL_SECONDS,
    };
  }
}
