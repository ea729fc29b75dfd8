// Translation of IP literals in a captured pod environment (VNAT): every IPv4/IPv6 literal for
// which translate() has a replacement is swapped, the rest of the value is kept byte for byte.
import { formatIp, tryParseIp } from './ip.js';

// One pass, IPv6 first so that an embedded dotted quad (::ffff:10.1.2.3) is taken as one token.
// The boundaries keep "2.10.110.210.8" (not an IP: five fields) and "host10.1.2.3" untouched, while
// "tcp://10.1.2.3:80", "[fd00::1]:443" and "10.1.2.3,10.1.2.4" yield their addresses.
const V4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
const V6 = String.raw`(?:[0-9A-Fa-f]{0,4}:){2,7}(?:${V4}|[0-9A-Fa-f]{1,4})?`;
const LITERAL = new RegExp(
  String.raw`(?<![0-9A-Za-z.:])(?:${V6})(?![0-9A-Za-z:]|\.\d)|(?<![0-9A-Za-z.])(?:${V4})(?![0-9A-Za-z]|\.\d)`,
  'g',
);

/**
 * Replaces the IP literals of one value. translate() receives the canonical form of each address
 * (10.1.2.3, fd00::1) and returns its replacement, or undefined to keep the literal as written.
 */
export function translateIpLiterals(value: string, translate: (ip: string) => string | undefined): string {
  return value.replace(LITERAL, (literal: string) => {
    const ip = tryParseIp(literal);
    if (!ip) return literal;
    return translate(formatIp(ip)) ?? literal;
  });
}

/**
 * A copy of env where every IP literal that translate() maps is replaced, e.g. with the cluster
 * subnet 10.110.210.0/24 VNAT'd into 100.156.200.0/24, `tcp://10.110.210.159:80` becomes
 * `tcp://100.156.200.1:80`. The input is not modified.
 */
export function translateEnvironment(
  env: Record<string, string>,
  translate: (ip: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = translateIpLiterals(v, translate);
  return out;
}
