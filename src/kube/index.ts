// The cluster adapter's entry points, for the session and `telepresence plan`.
export { resolveClusterTarget, type ClusterTarget, type ClusterTargetOptions } from './target.js';
export { deployProxy, type DeployProxyOptions, type DeployedProxy } from './proxy-deploy.js';
export { deleteSessionObjects, findLeftovers, describeObjects, type SessionObject } from './cleanup.js';
export { discoverSubnets, type ClusterSubnets } from './subnets.js';
export { SESSION_LABEL, checkProxyName, needsPrivileged, proxyDeployment, proxyService, type ProxySpecOptions } from './proxy-spec.js';
export { describePodState, describeEvents, isPodReady } from './pod-state.js';
export { loadClientNode } from './client-node.js';
export { openCluster, type Cluster } from './cluster.js';
export * from './operations/index.js';
export { repairExpiredSwaps, type SwapRepairReport } from './swap/repair.js';
// The pod's ports, for callers of the cluster adapter (the contract itself lives in src/protocol).
export { SSH_PORT, SOCKS_PORT, DNS_PORT, PROXY_SSH_USER } from '../protocol/index.js';
export { watchNamespaces, fallbackNamespaces, type NamespaceWatch, type NamespaceWatchOptions } from './namespaces.js';
export {
  watchClusterDns, discoverEndpointsApi, describeDnsWatch, serviceRecord, endpointsRecord, sliceRecord, podRecord, SERVICE_NAME_LABEL,
  type DnsWatch, type ClusterDnsOptions, type DnsSink, type DnsKind, type EndpointsApi, type DnsService, type DnsEndpoints, type DnsPod,
} from './dns-watch.js';
export { startProxyViaRelay, newRelaySecret, type ProxyViaRelay, type ProxyViaRelayOptions } from './proxy-via.js';
export { PROXY_VIA_RELAY, proxyViaRelayRepairer, stopRelay, type ProxyViaRelayEntry } from './proxy-via-stop.js';
export { parseWorkload, relayEphemeralContainer, relayContainerName, chooseRelayPort, WORKLOAD_KINDS, type WorkloadKind } from './proxy-via-spec.js';
