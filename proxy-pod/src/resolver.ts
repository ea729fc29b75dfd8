// Name resolution as a process in the pod sees it, shared by the SOCKS and DNS servers. The
// system resolver goes through getaddrinfo/getnameinfo, so /etc/hosts, resolv.conf search paths
// and ndots apply (`my-service` -> my-service.<ns>.svc.cluster.local); dns.resolve would not.
import { promises as dns } from 'node:dns';

/** The name has no IPv4 address for the pod. `code` is the resolver's error name. */
export class NameNotFoundError extends Error {
  readonly code = 'NAME_NOT_FOUND';
  constructor(
    readonly hostname: string,
    readonly reason: string,
  ) {
    super(`cannot resolve ${JSON.stringify(hostname)} in the pod: ${reason}`);
    this.name = 'NameNotFoundError';
  }
}

export interface PodResolver {
  /** IPv4 addresses of `name`, in the resolver's order; rejects with NameNotFoundError. */
  lookupIPv4(name: string): Promise<string[]>;
  /** The canonical name of `ip`, or null when it has none. */
  reverse(ip: string): Promise<string | null>;
}

export const systemResolver: PodResolver = {
  async lookupIPv4(name) {
    if (name === '') throw new NameNotFoundError(name, 'empty name');
    try {
      const found = await dns.lookup(name, { family: 4, all: true });
      if (found.length === 0) throw new NameNotFoundError(name, 'no IPv4 address');
      // glibc may list an address once per hosts-file line (127.0.0.1 for "localhost" twice).
      return [...new Set(found.map((a) => a.address))];
    } catch (err) {
      if (err instanceof NameNotFoundError) throw err;
      throw new NameNotFoundError(name, (err as NodeJS.ErrnoException).code ?? String(err));
    }
  },
  async reverse(ip) {
    try {
      // getnameinfo answers the address itself when it has no name (no NI_NAMEREQD).
      const { hostname } = await dns.lookupService(ip, 0);
      return hostname === ip ? null : hostname;
    } catch {
      return null;
    }
  },
};

/**
 * A resolver over a fixed host table, for tests and for a pod with no cluster DNS. Names are
 * matched case-insensitively without a trailing dot; an IPv4 literal resolves to itself.
 */
export function hostTableResolver(table: Record<string, string[]>): PodResolver {
  const forward = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  return {
    async lookupIPv4(name) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return [name];
      const ips = forward.get(name.toLowerCase().replace(/\.$/, ''));
      if (ips === undefined || ips.length === 0) throw new NameNotFoundError(name, 'ENOTFOUND');
      return ips;
    },
    async reverse(ip) {
      for (const [name, ips] of forward) if (ips.includes(ip)) return name;
      return null;
    },
  };
}
