// IP addresses as (family, bigint) pairs: strict parsing (through ip6addr) and canonical printing.
// Every engine function goes through here so that one address has exactly one spelling.
import ip6addr from 'ip6addr';
import { UsageError } from '../errors.js';

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  /** The address as an unsigned integer of 32 (IPv4) or 128 (IPv6) bits. */
  value: bigint;
}

export const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The reason a string is not an IP address, or null when it is one. */
function ipProblem(text: string): string | null {
  if (text === '') return 'it is empty';
  if (/\s/.test(text)) return 'it contains white space';
  if (text.includes('%')) return 'zone indexes (%eth0) are not accepted';
  if (!text.includes(':')) {
    const m = DOTTED_QUAD.exec(text);
    if (!m) return 'an IPv4 address has four decimal fields, as 10.0.0.1';
    // Leading zeros read as octal in some tools (inet_aton): refuse rather than guess.
    if (m.slice(1).some((f) => f.length > 1 && f.startsWith('0'))) return 'an IPv4 field has a leading zero';
    if (m.slice(1).some((f) => Number(f) > 255)) return 'an IPv4 field is larger than 255';
  }
  return null;
}

/** "10.1.2.3" -> 0x0a010203 (the VIF's per-packet form); null for anything that is not an IPv4 address. */
export function ipv4ToInt(text: string): number | null {
  if (text.includes(':') || ipProblem(text) !== null) return null;
  const [a, b, c, d] = text.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. Returns null when invalid. */
export function tryParseIp(text: string): Ip | null {
  if (ipProblem(text) !== null) return null;
  let bytes: Uint8Array;
  try {
    bytes = ip6addr.parse(text).toBuffer();
  } catch {
    return null;
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  // ip6addr stores everything as 16 bytes; IPv4 (and mapped IPv4) sit in ::ffff:0:0/96.
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** Parses an IP address or throws a UsageError that names the value. */
export function parseIp(text: string): Ip {
  const ip = tryParseIp(text);
  if (ip) return ip;
  let reason = ipProblem(text);
  if (reason === null) {
    try {
      ip6addr.parse(text);
      reason = 'it is not a valid address';
    } catch (e) {
      reason = (e as Error).message;
    }
  }
  throw new UsageError(`invalid IP address "${text}": ${reason}; write it as 10.0.0.1 or fd00::1`);
}

/** Canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lower case, longest zero run as ::). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // Find the longest run of two or more zero groups (the first one on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Canonical text of an IP address given as text; throws a UsageError when invalid. */
export function canonicalIp(text: string): string {
  return formatIp(parseIp(text));
}

/** True for 127.0.0.0/8 and ::1, as Go's netip.Addr.IsLoopback (what Telepresence 2 tests). */
export function isLoopbackIp(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}
