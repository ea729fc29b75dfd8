// Covering CIDRs for a set of pod IPs (when nodes publish no podCIDR), and "unique": dropping
// subnets that are equal to or covered by another. The grouping follows Telepresence 2's
// subnet.AnalyzeIPs: IPv4 by /16, IPv6 by /64, and the last byte is never split.
import { bitsOf, parseIp, type Ip } from './ip.js';
import { formatNet, netCovers, netEquals, toNet, type Net } from './cidr.js';

/** Length of the common leading bits of a and b, counted over `bits` bits. */
function commonPrefix(a: bigint, b: bigint, bits: number): number {
  let diff = a ^ b;
  let len = bits;
  while (diff > 0n) {
    diff >>= 1n;
    len--;
  }
  return len;
}

function compareNets(a: Net, b: Net): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return a.prefix - b.prefix;
}

/**
 * The subnets that cover the given addresses: one per IPv4 /16 and per IPv6 /64 that holds any of
 * them, each narrowed to the longest prefix that still holds all of its addresses, but no longer
 * than /24 (IPv4) or /120 (IPv6), since Telepresence 2 never splits on the last byte (a single pod
 * IP 10.1.2.3 yields 10.1.2.0/24, where its neighbours will come). Sorted, IPv4 first, then unique.
 */
export function coveringCidrs(ips: string[]): string[] {
  const groups = new Map<string, { first: Ip; min: bigint; max: bigint }>();
  for (const text of ips) {
    const ip = parseIp(text);
    const groupBits = ip.family === 4 ? 16 : 64;
    const key = `${ip.family}/${ip.value >> BigInt(bitsOf(ip.family) - groupBits)}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { first: ip, min: ip.value, max: ip.value });
    else {
      if (ip.value < g.min) g.min = ip.value;
      if (ip.value > g.max) g.max = ip.value;
    }
  }
  const nets: Net[] = [];
  for (const { first, min, max } of groups.values()) {
    const bits = bitsOf(first.family);
    const cap = bits - 8;
    const prefix = Math.min(commonPrefix(min, max, bits), cap);
    const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
    nets.push({ family: first.family, value: min & mask, prefix });
  }
  nets.sort(compareNets);
  return uniqueNets(nets).map(formatNet);
}

/** Drops every subnet equal to (a later duplicate) or covered by another one; keeps input order. */
export function uniqueNets(nets: Net[]): Net[] {
  return nets.filter((n, i) =>
    !nets.some((o, j) => (netEquals(o, n) ? j < i : netCovers(o, n))),
  );
}

/** uniqueSubnets(["10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"]) -> ["10.0.0.0/8"]; canonical output. */
export function uniqueSubnets(cidrs: string[]): string[] {
  return uniqueNets(cidrs.map(toNet)).map(formatNet);
}
