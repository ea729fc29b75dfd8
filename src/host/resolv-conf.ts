// resolv.conf as text: its nameservers and search suffixes (pure parsing; the host owns the file).
import net from 'node:net';

export interface Nameserver {
  host: string;
  port: number;
}

/** The `nameserver` lines of a resolv.conf text, in order (port 53: resolv.conf cannot name another). */
export function resolvConfNameservers(text: string): Nameserver[] {
  const found: Nameserver[] = [];
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    // A scoped IPv6 address (fe80::1%eth0) keeps its zone: dgram accepts it.
    if (key === 'nameserver' && value !== undefined && net.isIP(value.split('%')[0]) !== 0) {
      found.push({ host: value, port: 53 });
    }
  }
  return found;
}

/** The `search` (or older `domain`) suffixes of a resolv.conf text; the last such line wins, as in glibc. */
export function resolvConfSearch(text: string): string[] {
  let search: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'search' || key === 'domain') search = values.filter((v) => v !== '' && v !== '.');
  }
  return search;
}
