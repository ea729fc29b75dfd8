// teleproxy: vpn-tcp's VIF, plan and resolver, with the cluster's names answered on the workstation
// from a live watch of Services, Endpoints and Pods (src/kube/dns-watch.ts into src/dns/cluster-table.ts):
// no DNS question travels to the cluster, and answers follow the cluster as the API reports changes.
// --also-proxy hostnames are the exception: they are resolved once, in the pod, to plan their routes.
import { ClusterDnsTable, Packet, RCODE, TYPE, type Lookup, type PodLookup } from '../src/dns/index.js';
import { describeDnsWatch } from '../src/kube/dns-watch.js';
import { PROBE_ANSWER, PROBE_PREFIX } from '../src/protocol/index.js';
import type { MappedNamespaces } from './cluster-routing.js';
import type { MethodContext, ProxyViaRelayClient } from './method.js';
import { isSessionProbe, relayLookup } from './proxy-via.js';
import { VpnTcpMethod, type ClusterNames } from './vpn-tcp.js';

/** A changed Service must show at once: stubs that cache (systemd-resolved) keep an answer this long at most. */
const TELEPROXY_TTL_SECONDS = 1;

/** The readiness probes (`hellotelepresence-*`) are answered here as the pod would: they prove the host's resolver path. */
function probeResult(name: string, type: number) {
  const answers = type === TYPE.A ? [{ name, type: TYPE.A, class: Packet.CLASS.IN, ttl: 0, address: PROBE_ANSWER }] : [];
  return { rcode: RCODE.NOERROR, answers } as Awaited<ReturnType<Lookup>>;
}

export class TeleproxyMethod extends VpnTcpMethod {
  override readonly name = 'teleproxy' as const;
  protected override readonly proxyViaNamesRule = "the watched table first; A questions of cluster names it does not know by the relay's RESOLVE";

  /** --proxy-via: the table answers what it knows (no round trip); an A question it has no name for is asked of the relay. */
  protected override withProxyVia(lookup: Lookup, relay: ProxyViaRelayClient | undefined): Lookup {
    if (relay === undefined) return lookup;
    const resolve = relayLookup(relay);
    return async (name, type) => {
      const known = await lookup(name, type);
      return type === TYPE.A && known.rcode === RCODE.NXDOMAIN && !isSessionProbe(name) ? resolve(name, type) : known;
    };
  }

  protected override async clusterNames(ctx: MethodContext, _pod: PodLookup, namespaces: MappedNamespaces, domain: string): Promise<ClusterNames> {
    const table = new ClusterDnsTable({ clusterDomain: domain, sessionNamespace: ctx.cluster.namespace, ttlSeconds: TELEPROXY_TTL_SECONDS });
    const watch = await ctx.cluster.watchClusterDns(table, { namespaces: namespaces.names, log: ctx.log });
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
