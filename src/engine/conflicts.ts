// The conflict check of a subnet against the workstation's route table, with Telepresence 2's
// skip rules (pkg/vif Router.ValidateRoutes and the route readers in pkg/routing).
import type { HostRoute } from './types.js';
import { netCovers, netEquals, netOverlaps, tryNet, type Net } from './cidr.js';

/**
 * Routes that can never conflict:
 * - not unicast (local, broadcast, multicast, anycast, throw, nat, ...): they describe the host's own
 *   addresses or special handling, not a network reached through a device (TP2 has no type filter;
 *   this is our reading of the spec, so a local address inside a cluster subnet is no conflict);
 * - no output device (unreachable, blackhole, prohibit): TP2's reader drops routes without an
 *   interface (RTA_OIF), so they never reach the check;
 * - default routes (prefix length 0, or flagged default) and /1 routes (a VPN's split default,
 *   0.0.0.0/1 + 128.0.0.0/1, TP2's subnet.IsHalfOfDefault), which the TUN is meant to override;
 * - routes on our own TUN device.
 * TP2 also drops routes whose interface is down or has no address of the family; HostRoute does
 * not carry link state, so the host adapter should leave such routes out.
 */
export function isSkippedRoute(route: HostRoute, tunDevice?: string): boolean {
  // `ip -j route` leaves the type out for unicast routes; an adapter may pass it on as ''.
  const type = route.type || 'unicast';
  if (type !== 'unicast') return true;
  if (route.dev === null || route.dev === '') return true;
  if (tunDevice !== undefined && route.dev === tunDevice) return true;
  if (route.isDefault) return true;
  const net = tryNet(route.dst);
  if (!net) return true; // the adapter gave us something that is not a CIDR: it cannot be compared
  return net.prefix <= 1;
}

export interface ConflictCheck {
  routes: HostRoute[];
  allowConflicting: Net[];
  tunDevice?: string;
}

export type ConflictResult =
  | { kind: 'none' }
  /** Overlaps a route, but an allowConflictingSubnets entry covers the subnet. */
  | { kind: 'allowed'; route: HostRoute }
  | { kind: 'conflict'; route: HostRoute };

/** The first route (in table order) that conflicts with subnet, and whether that is allowed. */
export function checkConflict(subnet: Net, check: ConflictCheck): ConflictResult {
  const { routes, tunDevice } = check;
  // Already routed to our own TUN: the same session's route, not a conflict (TP2 exempts equality).
  if (tunDevice !== undefined && routes.some((r) => r.dev === tunDevice && sameNet(r.dst, subnet))) {
    return { kind: 'none' };
  }
  const allowed = check.allowConflicting.some((w) => netCovers(w, subnet));
  for (const route of routes) {
    if (isSkippedRoute(route, tunDevice)) continue;
    const rn = tryNet(route.dst);
    if (rn && netOverlaps(rn, subnet)) return { kind: allowed ? 'allowed' : 'conflict', route };
  }
  return { kind: 'none' };
}

function sameNet(dst: string, n: Net): boolean {
  const d = tryNet(dst);
  return d !== null && netEquals(d, n);
}
