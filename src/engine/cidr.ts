// CIDR subnets for IPv4 and IPv6: parsing into canonical text (network address, host bits zero,
// IPv6 compressed lower case), and the set relations the planner needs (covers, overlaps).
import { UsageError } from '../errors.js';
import { bitsOf, formatIp, isLoopbackIp, parseIp, tryParseIp, type Family, type Ip } from './ip.js';

export interface Net {
  family: Family;
  /** Network address (host bits zero). */
  value: bigint;
  prefix: number;
}

const hostMask = (family: Family, prefix: number): bigint => (1n << BigInt(bitsOf(family) - prefix)) - 1n;

/** The subnet of the given prefix length that holds ip. */
export function netOf(ip: Ip, prefix: number): Net {
  return { family: ip.family, value: ip.value & ~hostMask(ip.family, prefix), prefix };
}

export const firstAddress = (n: Net): bigint => n.value;
export const lastAddress = (n: Net): bigint => n.value | hostMask(n.family, n.prefix);

function cidrProblem(text: string): { net?: Net; reason?: string } {
  const slash = text.indexOf('/');
  if (slash < 0) {
    // A bare address is a one-address subnet, as Telepresence 2 (and kubectl) accept.
    const ip = tryParseIp(text);
    return ip ? { net: netOf(ip, bitsOf(ip.family)) } : { reason: 'it is neither an IP address nor ADDRESS/LENGTH' };
  }
  const addr = text.slice(0, slash);
  const len = text.slice(slash + 1);
  const ip = tryParseIp(addr);
  if (!ip) {
    try {
      parseIp(addr);
    } catch (e) {
      return { reason: (e as Error).message.replace(/^invalid IP address "[^"]*": /, '').replace(/;.*$/, '') };
    }
  }
  if (!/^\d{1,3}$/.test(len)) return { reason: `the prefix length "${len}" is not a number` };
  let prefix = Number(len);
  let family = ip!.family;
  // An IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) is the IPv4 subnet it maps (10.0.0.0/8).
  if (family === 4 && addr.includes(':')) {
    if (prefix > 128) return { reason: `the prefix length ${prefix} is larger than 128` };
    if (prefix < 96) return { reason: 'an IPv4-mapped prefix must be /96 or longer' };
    prefix -= 96;
    family = 4;
  }
  if (prefix > bitsOf(family)) {
    return { reason: `the prefix length ${prefix} is larger than ${bitsOf(family)} (IPv${family})` };
  }
  return { net: netOf(ip!, prefix) };
}

/** Parses a CIDR (or a bare IP, which becomes /32 or /128) into a Net; throws a UsageError naming the value. */
export function toNet(text: string): Net {
  const { net, reason } = cidrProblem(text);
  if (net) return net;
  throw new UsageError(`invalid CIDR "${text}": ${reason}; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64`);
}

/** Like toNet, but null for an invalid value. */
export function tryNet(text: string): Net | null {
  return cidrProblem(text).net ?? null;
}

export function formatNet(n: Net): string {
  return `${formatIp({ family: n.family, value: n.value })}/${n.prefix}`;
}

/**
 * Canonical CIDR text of a CIDR or bare IP: 10.1.2.3/8 -> 10.0.0.0/8, 10.1.2.3 -> 10.1.2.3/32,
 * FD00::1 -> fd00::1/128, ::ffff:10.0.0.0/104 -> 10.0.0.0/8. Throws a UsageError that names the value.
 */
export function parseCidr(value: string): string {
  return formatNet(toNet(value));
}

/** True when a contains all of b (same family, a no more specific, b's network inside a). */
export function netCovers(a: Net, b: Net): boolean {
  return a.family === b.family && a.prefix <= b.prefix && (b.value & ~hostMask(a.family, a.prefix)) === a.value;
}

/** True when a and b share at least one address (for prefixes: one covers the other). */
export function netOverlaps(a: Net, b: Net): boolean {
  return netCovers(a, b) || netCovers(b, a);
}

export const netEquals = (a: Net, b: Net): boolean =>
  a.family === b.family && a.prefix === b.prefix && a.value === b.value;

export function netContainsIp(n: Net, ip: Ip): boolean {
  return n.family === ip.family && (ip.value & ~hostMask(n.family, n.prefix)) === n.value;
}

/** covers("10.0.0.0/8", "10.1.0.0/16") === true. Both arguments are CIDRs or bare IPs. */
export function covers(a: string, b: string): boolean {
  return netCovers(toNet(a), toNet(b));
}

/** overlaps("10.0.0.0/9", "10.64.0.0/10") === true; IPv4 never overlaps IPv6. */
export function overlaps(a: string, b: string): boolean {
  return netOverlaps(toNet(a), toNet(b));
}

/** Telepresence 2's test: the subnet's network address is a loopback address (127.0.0.0/8, ::1). */
export function isLoopbackNet(n: Net): boolean {
  return isLoopbackIp({ family: n.family, value: n.value });
}
