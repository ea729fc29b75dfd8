// User-visible texts of the routing engine, kept word for word with Telepresence 2.
import type { HostRoute } from './types.js';
import { formatIp } from './ip.js';
import { tryNet } from './cidr.js';

/**
 * A host route as Telepresence 2 (2.19-2.21, pkg/routing Route.String) prints it:
 * `<dst> via <local ip> dev <ifname>, gw <gateway>` plus ` (default)` for a default route.
 * - TP2's "via" is the interface's local IP. HostRoute carries the route's preferred source (prefsrc)
 *   instead; when a route has none we print the destination's network address, which is what the
 *   documented example shows ("10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1").
 * - A route without a gateway (directly connected) printed Go's nil net.IP, `<nil>`, in those
 *   versions; we keep that exact text rather than invent a new one.
 */
export function formatRoute(route: HostRoute): string {
  const net = tryNet(route.dst);
  const dst = net ? `${formatIp(net)}/${net.prefix}` : route.dst;
  const via = route.src ?? (net ? formatIp(net) : route.dst);
  const gw = route.gateway ?? '<nil>';
  return `${dst} via ${via} dev ${route.dev ?? '<nil>'}, gw ${gw}${route.isDefault ? ' (default)' : ''}`;
}

/** Telepresence 2's conflict error (pkg/vif Router.ValidateRoutes), route quoted as Go's %q does. */
export function conflictMessage(subnet: string, route: HostRoute): string {
  return `subnet ${subnet} overlaps with existing route ${JSON.stringify(formatRoute(route))}`;
}

/** Telepresence 2's error for an explicit loopback subnet (rootd validateSubnets). */
export function loopbackMessage(kind: 'also-proxy' | 'never-proxy' | 'allow-conflicting', subnet: string): string {
  return `${kind} subnet ${subnet} is a loopback subnet. It is never proxied`;
}

/** Telepresence 2's error for overlapping --proxy-via / --vnat entries (connect parseProxyVias). */
export function overlappingMessage(a: string, b: string): string {
  return `CIDRs ${a} and ${b} are overlapping`;
}

/** Telepresence 2's error when the virtual subnet has no address left (rootd/vip). */
export function exhaustedMessage(subnet: string): string {
  return `virtual subnet CIDR ${subnet} is exhausted`;
}
