// The workstation DNS of vpn-tcp (see DESIGN.md, DNS): what the session and the VIF use.
export { WorkstationDns, RECURSION_CHECK_NAME, PROBE_PREFIX, fitUdp, ipv4OfReverseName } from './workstation-dns.js';
export type { WorkstationDnsOptions, Destination } from './workstation-dns.js';
export { LookupCache, NXDOMAIN_RESULT } from './cache.js';
export type { RecursionState, AnswerSource } from './cache.js';
export { rewriteClusterResult, translateRecord, ipv4MappedIpv6, CLUSTER_ANSWER_TTL_SECONDS } from './answers.js';
export type { TranslateIp } from './answers.js';
export { listenWorkstationDns } from './server.js';
export type { DnsListener } from './server.js';
export { podDnsLookup, POD_DNS_HOST, POD_DNS_PORT } from './pod-lookup.js';
export type { PodLookup } from './pod-lookup.js';
export { nameserverLookup, readOriginalResolver } from './original.js';
export { resolvConfNameservers, resolvConfSearch, type Nameserver } from '../host/resolv-conf.js';
export { StreamDnsClient } from './stream-client.js';
export {
  teachSearchSuffixes, checkRecursion, resolverLookup, waitForDnsReady, logResolverFiles, systemLookup,
  TUNNEL_DID_NOT_CONNECT, PROBE_ANSWER, RESOLVER_FILES,
} from './startup.js';
export type { SystemLookup, ReadinessOptions } from './startup.js';
export { Packet, RCODE, TYPE, normalizeName, typeName, rcodeName, buildQuery } from './records.js';
export type { Lookup, LookupResult, DnsRecord, DnsPacket } from './records.js';
export { startVpnDns } from './vpn-dns.js';
export type { VpnDnsOptions, VpnDns } from './vpn-dns.js';
export { ClusterDnsTable, DNS_SCHEMA_VERSION } from './cluster-table.js';
export { ipOfReverseName } from './service-view.js';
export type { ClusterDnsTableOptions } from './cluster-table.js';
export { answeredElsewhere, namespaceOfName, type NeighbourSession } from './session-chain.js';
