// The resolved configuration: config.yml (found via --config, TELEPRESENCE_CONFIG or the default
// path) checked into one read-only object, with defaults; flags are applied on top by applyRoutingFlags.
import type { RoutingConfig } from '../engine/types.js';

export interface DnsConfig {
  readonly includeSuffixes: readonly string[];
  readonly excludeSuffixes: readonly string[];
  /** How long a cluster-side look-up may take, in milliseconds. */
  readonly lookupTimeoutMs: number;
}

/** Clusters on this machine (Telepresence 1's "local clusters"; --local-cluster). */
export interface LocalClusterConfig {
  /** Detect a local cluster by its context and API server address (else only --local-cluster says so). */
  readonly detect: boolean;
  /** The nameserver the proxy pod asks for names outside the cluster then (Telepresence 1: 8.8.8.8). */
  readonly nameserver: string;
}

/** Deadlines of a session's steps, in milliseconds (config keys are the names without `Ms`). */
export interface TimeoutsConfig {
  /** Reach the API server and read the cluster's subnets. */
  readonly clusterConnectMs: number;
  /** The proxy pod is scheduled, pulled and running. */
  readonly proxyPodReadyMs: number;
  /** sshd in the proxy pod answers through the port-forward (Telepresence 1: 30 s). */
  readonly sshConnectMs: number;
  /** vpn-tcp: the cluster resolves names through the tunnel (Telepresence 1: 35 s). */
  readonly dnsReadyMs: number;
  /** `kubectl port-forward` prints its local port. */
  readonly portForwardMs: number;
  /** --swap-deployment: the session's Lease lasts this long unrenewed (renewed every third of it). */
  readonly swapLeaseMs: number;
  /** A lost port-forward or SSH connection is re-established within this, or the session ends (exit 255). */
  readonly reconnectMs: number;
}

export interface Config {
  /** The file that was read, or null when none exists at the default path. */
  readonly source: string | null;
  readonly routing: Readonly<RoutingConfig>;
  readonly dns: DnsConfig;
  readonly localCluster: LocalClusterConfig;
  readonly timeouts: TimeoutsConfig;
}

export const TIMEOUT_KEYS = ['clusterConnect', 'proxyPodReady', 'sshConnect', 'dnsReady', 'portForward', 'swapLease', 'reconnect'] as const;
export type TimeoutKey = (typeof TIMEOUT_KEYS)[number];

export const DEFAULT_TIMEOUTS: Record<TimeoutKey, number> = {
  clusterConnect: 20_000,
  proxyPodReady: 120_000,
  sshConnect: 30_000,
  dnsReady: 35_000,
  portForward: 10_000,
  swapLease: 30_000,
  reconnect: 60_000,
};

/** Telepresence 1's first public nameserver (telepresence/utilities.py get_alternate_nameserver). */
export const DEFAULT_LOCAL_CLUSTER_NAMESERVER = '8.8.8.8';

/** Class E on Linux and macOS; Windows does not route class E (Telepresence 2's choice). */
export function defaultVirtualSubnet(platform: NodeJS.Platform): string {
  return platform === 'win32' ? '211.55.48.0/20' : '246.246.0.0/16';
}

export function defaultConfig(platform: NodeJS.Platform = process.platform): Config {
  return freeze({
    source: null,
    routing: {
      allowConflictingSubnets: [],
      autoResolveConflicts: true,
      virtualSubnet: defaultVirtualSubnet(platform),
      alsoProxySubnets: [],
      neverProxySubnets: [],
    },
    dns: {
      includeSuffixes: [],
      excludeSuffixes: ['.com', '.io', '.net', '.org', '.ru'],
      lookupTimeoutMs: 8_000,
    },
    localCluster: { detect: true, nameserver: DEFAULT_LOCAL_CLUSTER_NAMESERVER },
    timeouts: {
      clusterConnectMs: DEFAULT_TIMEOUTS.clusterConnect,
      proxyPodReadyMs: DEFAULT_TIMEOUTS.proxyPodReady,
      sshConnectMs: DEFAULT_TIMEOUTS.sshConnect,
      dnsReadyMs: DEFAULT_TIMEOUTS.dnsReady,
      portForwardMs: DEFAULT_TIMEOUTS.portForward,
      swapLeaseMs: DEFAULT_TIMEOUTS.swapLease,
      reconnectMs: DEFAULT_TIMEOUTS.reconnect,
    },
  });
}

/** Routing flags add to the file's lists (as Telepresence 2's flags do); CIDRs are already canonical. */
export interface RoutingFlags {
  readonly allowConflictingSubnets: readonly string[];
}

export function applyRoutingFlags(config: Config, flags: RoutingFlags): Config {
  const allow = [...config.routing.allowConflictingSubnets];
  for (const cidr of flags.allowConflictingSubnets) if (!allow.includes(cidr)) allow.push(cidr);
  return freeze({ ...config, routing: { ...config.routing, allowConflictingSubnets: allow } });
}

/** Deep freeze so no step of a session can change the resolved config behind another's back. */
export function freeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) freeze(inner);
    Object.freeze(value);
  }
  return value;
}
