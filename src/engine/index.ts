// The public API of the routing engine (published as `telepresence/engine`): pure functions and
// one allocator class, no I/O.
export type {
  HostRoute, RoutingConfig, VnatRequest, SubnetSource, SubnetAction, PlanInput, PlannedSubnet, Plan, VnatTranslation,
} from './types.js';
export { canonicalIp, isLoopbackIp } from './ip.js';
export { parseCidr, covers, overlaps } from './cidr.js';
export { coveringCidrs, uniqueSubnets } from './covering.js';
export { formatRoute, conflictMessage, loopbackMessage, overlappingMessage, exhaustedMessage } from './format.js';
export { isSkippedRoute } from './conflicts.js';
export {
  parseVnatFlag, parseProxyViaFlag, checkVnatRequests, isDns1123Label, isVnatSymbol, VNAT_SYMBOLS, LOCAL_VIA,
} from './vnat.js';
export type { VnatSymbol } from './vnat.js';
export { VirtualIpAllocator } from './allocator.js';
export { translateEnvironment, translateIpLiterals } from './environment.js';
export { dnsDestination, isUnmatchedName, hasNameSuffix, DEFAULT_EXCLUDE_SUFFIXES } from './dns-policy.js';
export type { DnsPolicy, DnsDestination } from './dns-policy.js';
export { planRoutes, tunRoutes } from './plan.js';
export { clusterEnvironment, formatEnvJson, formatEnvFile, POD_ONLY_VARIABLES } from './env-files.js';
export type { TelepresenceVariables } from './env-files.js';
export { localClusterReason, isLocalClusterContext, routeTo } from './local-cluster.js';
export type { LocalClusterInput } from './local-cluster.js';
