// Pure: the JSON of `ip -j addr show` -> per interface, whether it is up and which address families
// it has; and the filter Telepresence 2's route reader applies with it (pkg/routing, rowAsRoute).
import type { HostRoute } from '../engine/types.js';
import type { AddressFamily } from './ip-route-json.js';
import { RouteJsonError } from './ip-route-json.js';

export interface LinkState {
  /** IFF_UP, the administrative state (`ip link set X up`). */
  up: boolean;
  families: Set<AddressFamily>;
}

export function parseIpAddrJson(text: string): Map<string, LinkState> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RouteJsonError(`not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new RouteJsonError('expected a JSON array of interfaces');
  const links = new Map<string, LinkState>();
  for (const entry of data as Record<string, unknown>[]) {
    if (!entry || typeof entry.ifname !== 'string') continue;
    const flags = Array.isArray(entry.flags) ? entry.flags : [];
    const families = new Set<AddressFamily>();
    for (const addr of Array.isArray(entry.addr_info) ? (entry.addr_info as Record<string, unknown>[]) : []) {
      if (addr?.family === 'inet') families.add(4);
      if (addr?.family === 'inet6') families.add(6);
    }
    links.set(entry.ifname, { up: flags.includes('UP'), families });
  }
  return links;
}

/**
 * Drops the routes Telepresence 2 never sees: those whose device is down or has no address of the
 * route's family (it needs that address as the route's local IP). Routes without a device, or on a
 * device that vanished between the two reads, are kept.
 */
export function usableRoutes(routes: HostRoute[], links: Map<string, LinkState>): HostRoute[] {
  return routes.filter((route) => {
    const link = route.dev === null ? undefined : links.get(route.dev);
    if (!link) return true;
    const family: AddressFamily = route.dst.includes(':') ? 6 : 4;
    return link.up && link.families.has(family);
  });
}
