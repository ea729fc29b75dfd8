// --proxy-via for the methods that route (vpn-tcp, teleproxy, container): the VIF's connector dials an
// address whose translation names a workload through that workload's relay, and names are resolved from
// the first --proxy-via workload's pod (its /etc/hosts and resolver), as Telepresence 2's agent resolves.
import type { Duplex } from 'node:stream';
import { Packet, RCODE, RECURSION_CHECK_NAME, TYPE, type Lookup, type LookupResult } from '../src/dns/index.js';
import { PROBE_PREFIX } from '../src/protocol/index.js';
import type { PlanVnat } from './cluster-routing.js';
import type { MethodContext, ProxyViaRelayClient } from './method.js';

/** The TTL of a relay's answer (the pod's resolver gives none): Telepresence 2's cluster TTL. */
const RELAY_ANSWER_TTL_SECONDS = 4;

/** Dial ip:port (the cluster IP after VNAT): through the relay of the translation's workload, else from the proxy pod. */
export function proxyViaConnector(ctx: Pick<MethodContext, 'relays' | 'openPodStream' | 'log'>, vnat: Pick<PlanVnat, 'viaOf'>): (ip: string, port: number) => Promise<Duplex> {
  return (ip, port) => {
    const via = ctx.relays.size === 0 ? undefined : vnat.viaOf(ip);
    const relay = via === undefined ? undefined : ctx.relays.get(via);
    if (relay === undefined) return ctx.openPodStream(ip, port);
    ctx.log(`proxy-via: ${ip}:${port} through the relay in ${relay.where}`);
    return relay.connect(ip, port);
  };
}

/** The relay that answers names: the first --proxy-via workload's (flag order); undefined without the flag. */
export function namesRelay(ctx: Pick<MethodContext, 'relays'>): ProxyViaRelayClient | undefined {
  return ctx.relays.values().next().value;
}

/** An A question answered by the relay's RESOLVE: its addresses, NXDOMAIN when the pod has none. */
export function relayLookup(relay: ProxyViaRelayClient): Lookup {
  return async (name, type) => {
    const ips = await relay.resolve(name);
    if (ips.length === 0) return { rcode: RCODE.NXDOMAIN, answers: [] };
    const answers = ips.map((address) => ({ name, type: TYPE.A, class: Packet.CLASS.IN, ttl: RELAY_ANSWER_TTL_SECONDS, address }));
    return { rcode: RCODE.NOERROR, answers: type === TYPE.A ? answers : [] } as LookupResult;
  };
}

/** Our probes and the recursion marker stay with the proxy pod's DNS server (suffix learning, the check). */
export function isSessionProbe(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith(PROBE_PREFIX) || n.replace(/\.$/, '') === RECURSION_CHECK_NAME;
}

/** vpn-tcp and the container method: cluster-bound A questions go to the relay, the rest to `pod` (the proxy pod's DNS). */
export function relayFirstLookup(relay: ProxyViaRelayClient | undefined, pod: Lookup): Lookup {
  if (relay === undefined) return pod;
  const resolve = relayLookup(relay);
  return (name, type) => (type === TYPE.A && !isSessionProbe(name) ? resolve(name, type) : pod(name, type));
}

/**
 * For a name no DNS rule names (a mesh's own, e.g. a hostAliases entry): the relay's answer when one of its
 * addresses lies in a --proxy-via CIDR (then it is translated like a cluster answer); else null, and the
 * workstation's resolver answers as without the flag. AAAA: the relay knows IPv4 only, so no data then.
 */
export function unmatchedNamesLookup(relay: ProxyViaRelayClient | undefined, vnat: Pick<PlanVnat, 'viaOf'>): ((name: string, type: number) => Promise<LookupResult | null>) | undefined {
  if (relay === undefined) return undefined;
  const resolve = relayLookup(relay);
  return async (name, type) => {
    if (type !== TYPE.A && type !== TYPE.AAAA) return null;
    const result = await resolve(name, TYPE.A);
    const inside = result.answers.some((r) => {
      const via = vnat.viaOf((r as { address: string }).address);
      return via !== undefined && via !== 'local';
    });
    if (!inside) return null;
    return type === TYPE.A ? result : { rcode: RCODE.NOERROR, answers: [] };
  };
}
