// The sidecar's network identity, from what the pod told the session (its hostname, /etc/hosts and
// resolv.conf): the pod's hostname, its search path and options with the session's DNS address as the
// only nameserver, and its hosts entries (HostAliases included) as --add-host. Docker shares the
// sidecar's /etc/hostname, /etc/hosts and /etc/resolv.conf with the container that joins it. Pure.
import { resolvConfSearch } from '../../src/host/resolv-conf.js';

export interface PodNetworkInfo {
  hostname: string;
  hosts: string;
  resolv: string;
}

/** Addresses docker's own /etc/hosts already has (loopback, the IPv6 specials), and names it writes itself. */
function dockerWritesItself(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1' || /^(fe00|ff00|ff02)::/i.test(ip);
}

/** `--add-host NAME:IP` for each name of the pod's hosts file, except loopback, the IPv6 specials and the pod's own line. */
export function hostEntries(hosts: string, hostname: string): string[] {
  const flags: string[] = [];
  for (const raw of hosts.split('\n')) {
    const [ip, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (!ip || names.length === 0 || dockerWritesItself(ip)) continue;
    // The pod's own address: the container has another, and docker maps the hostname to it.
    if (hostname !== '' && names.includes(hostname)) continue;
    for (const name of names) flags.push('--add-host', `${name}:${ip}`);
  }
  return flags;
}

/** The search path (resolvConfSearch) and options of a resolv.conf (its nameservers are replaced by the session's). */
export function resolverSettings(resolv: string): { search: string[]; options: string[] } {
  const options: string[] = [];
  for (const raw of resolv.split('\n')) {
    const [keyword, ...args] = raw.replace(/[#;].*/, '').trim().split(/\s+/);
    if (keyword === 'options') options.push(...args);
  }
  return { search: resolvConfSearch(resolv), options };
}

/** The sidecar's `docker run` flags for the pod's network identity; dnsIp answers its names. */
export function sidecarNetworkFlags(info: PodNetworkInfo, dnsIp: string): string[] {
  const hostname = info.hostname.trim();
  const { search, options } = resolverSettings(info.resolv);
  return [
    ...(hostname ? ['--hostname', hostname] : []),
    '--dns', dnsIp,
    ...search.flatMap((s) => ['--dns-search', s]),
    ...options.flatMap((o) => ['--dns-option', o]),
    ...hostEntries(info.hosts, hostname),
  ];
}
