// The engine's data types: what goes into a routing plan and what comes out. Shared by the CLI,
// the host adapters and every method; no I/O.

/** One route of the workstation's routing table, normalised from `ip -j route show table all`. */
export interface HostRoute {
  /** Canonical CIDR; a default route is 0.0.0.0/0 or ::/0. */
  dst: string;
  /** Route type: unicast, local, broadcast, unreachable, blackhole, prohibit, ... */
  type: string;
  /** Output device, null when the route has none (unreachable, blackhole, prohibit). */
  dev: string | null;
  gateway: string | null;
  /** Preferred source address (`prefsrc`). */
  src: string | null;
  /** Routing table name or number as a string: "main", "local", "52". */
  table: string;
  metric: number | null;
  /** True for a route to 0.0.0.0/0 or ::/0. */
  isDefault: boolean;
}

/** The routing part of the resolved config (config.yml + flags). */
export interface RoutingConfig {
  allowConflictingSubnets: string[];
  autoResolveConflicts: boolean;
  virtualSubnet: string;
  alsoProxySubnets: string[];
  neverProxySubnets: string[];
}

/** `--vnat X` is `{target: X, via: 'local'}`; `--proxy-via X=W` is `{target: X, via: W}`. */
export interface VnatRequest {
  /** A canonical CIDR or one of the symbols. */
  target: string;
  via: string;
}

export type SubnetSource = 'service' | 'pods' | 'also';
export type SubnetAction = 'route' | 'vnat' | 'allowed-conflict' | 'never-proxy' | 'covered';

export interface PlanInput {
  serviceSubnets: string[];
  podSubnets: string[];
  /** --also-proxy entries already reduced to CIDRs (hostnames resolved by the caller). */
  alsoProxy: string[];
  /** The API server's own IPs: never proxied. */
  apiServerIps: string[];
  vnat: VnatRequest[];
  routing: RoutingConfig;
  routes: HostRoute[];
  /** The name of our own TUN device, whose routes are not conflicts. */
  tunDevice?: string;
}

export interface PlannedSubnet {
  cidr: string;
  source: SubnetSource;
  action: SubnetAction;
  /** The conflicting route, printed as in the error text, or null. */
  conflictsWith: string | null;
  /** For vnat: 'local' or the workload of --proxy-via; otherwise null. */
  via: string | null;
}

/** A range whose cluster IPs are translated to virtual IPs (DNS answers, environment, VIF). */
export interface VnatTranslation {
  /** Canonical CIDR: an explicit --vnat/--proxy-via CIDR or a subnet with action 'vnat'. */
  cidr: string;
  /** 'local' or the --proxy-via workload. */
  via: string;
}

/** What `telepresence plan --json` prints. */
export interface Plan {
  virtualSubnet: string;
  subnets: PlannedSubnet[];
  errors: string[];
  /**
   * Never-proxy CIDRs (config + API server IPs) that overlap a routed subnet: each needs a route
   * that keeps it off the TUN. Entries that overlap nothing routed are left out.
   */
  neverProxy: string[];
  /** The translated ranges; when non-empty, the virtual subnet is routed to the TUN too. */
  translations: VnatTranslation[];
}
