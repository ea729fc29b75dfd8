// Making the workstation DNS server the host's resolver for a session, per platform: an interface
// and a switch (Linux now; macOS would add /etc/resolver files as resolver-darwin.ts).
import type { Repairer } from '../changes.js';
import { PlatformError } from '../errors.js';
import type { Nameserver } from './resolv-conf.js';
import { LinuxResolverConfig } from './resolver-linux.js';
import { DEFAULT_RESOLV_CONF_PATHS, type ResolvConfPaths } from './resolver-resolvconf.js';

export interface ResolverTarget {
  /** Our DNS server's address; resolv.conf can only name port 53. */
  address: string;
  port: number;
  /** The TUN device: systemd-resolved attaches DNS settings to a link. */
  link?: string;
  /** Names under these go to us with systemd-resolved: cluster domain, `svc`, namespaces, include-suffixes. */
  routingDomains: readonly string[];
  /** Search domains added with systemd-resolved, e.g. the namespace's `ns.svc.cluster.local`. */
  searchDomains: readonly string[];
}

export interface ResolverChange {
  method: 'systemd-resolved' | 'resolv.conf';
  /** The nameservers in use before the change: where names the cluster does not own are forwarded. */
  originalNameservers: Nameserver[];
  /** The search suffixes of the original resolv.conf (taught to the pod at start). */
  originalSearch: string[];
  /** Restores what apply changed; says what it did. Safe to call twice. */
  undo(): Promise<string>;
  /**
   * Where names the session does not own go now. resolv.conf: the nameservers of the file it replaced,
   * which is another session's DNS when one ran before it, until that one ends (resolver-chain.ts).
   * systemd-resolved: the original nameservers (its stub routes each name to the link that owns it).
   */
  upstream(): Promise<Nameserver[]>;
}

/** The journal entry of a resolver change: what a later run needs to find and repair it. */
export interface ResolverEntry {
  platform: NodeJS.Platform;
  paths: ResolvConfPaths;
}

export const RESOLVER_ENTRY = 'resolver';

export interface HostResolverConfig {
  /** Recorded in the session journal before apply(). */
  readonly entry: ResolverEntry;
  apply(target: ResolverTarget): Promise<ResolverChange>;
  /** Restores what a run that was killed left behind; says what it repaired (empty: nothing). */
  repair(): Promise<string[]>;
}

export function createHostResolverConfig(
  platform: NodeJS.Platform = process.platform,
  paths: ResolvConfPaths = DEFAULT_RESOLV_CONF_PATHS,
): HostResolverConfig {
  switch (platform) {
    case 'linux':
      return new LinuxResolverConfig(paths);
    default:
      throw new PlatformError('making telepresence the DNS resolver', platform, ['linux'], 'use --method inject-tcp');
  }
}

/** The repair step of a new run: restores a resolver left changed by a killed one. */
export function repairResolver(paths: ResolvConfPaths = DEFAULT_RESOLV_CONF_PATHS, platform: NodeJS.Platform = process.platform): Promise<string[]> {
  return createHostResolverConfig(platform, paths).repair();
}

/** The journal's repairer of resolver changes. */
export const resolverRepairer: Repairer<ResolverEntry> = {
  kind: RESOLVER_ENTRY,
  where: 'host',
  repair: (data) => repairResolver(data.paths, data.platform),
};
