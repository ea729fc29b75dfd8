// never-proxy against also-proxy: the more specific entry wins, both ways (TP2 rootd
// shouldProxySubnet and computeNeverProxyOverrides).
import { netCovers, netOverlaps, type Net } from './cidr.js';

/** The most specific never-proxy entry that covers subnet, or null. */
function narrowestCover(subnet: Net, neverProxy: Net[]): Net | null {
  let best: Net | null = null;
  for (const n of neverProxy) {
    if (netCovers(n, subnet) && (best === null || n.prefix > best.prefix)) best = n;
  }
  return best;
}

/**
 * True when subnet must not be routed: a never-proxy entry covers it and no also-proxy entry that
 * is strictly more specific than that never-proxy entry also covers it. So never-proxy 10.0.0.0/8
 * with also-proxy 10.1.0.0/16 routes 10.1.0.0/16 and anything inside it; an equal also-proxy does
 * not win (the never-proxy rule is the safety rule).
 */
export function isNeverProxied(subnet: Net, neverProxy: Net[], alsoProxy: Net[]): boolean {
  const n = narrowestCover(subnet, neverProxy);
  if (n === null) return false;
  return !alsoProxy.some((a) => a.prefix > n.prefix && netCovers(n, a) && netCovers(a, subnet));
}

/**
 * Whether inner, although inside outer, must be routed on its own: a never-proxy entry covers
 * inner but not outer (it cuts a hole into outer, and inner, more specific, fills part of it again).
 */
export function isNeverProxyOverride(inner: Net, outer: Net, neverProxy: Net[]): boolean {
  return neverProxy.some((n) => netCovers(n, inner) && !netCovers(n, outer));
}

/** The never-proxy entries that matter: those overlapping a routed subnet (TP2 drops the others). */
export function effectiveNeverProxy(neverProxy: Net[], routed: Net[]): Net[] {
  return neverProxy.filter((n) => routed.some((r) => netOverlaps(r, n)));
}
