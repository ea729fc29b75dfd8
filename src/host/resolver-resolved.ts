// The resolver through systemd-resolved (how Telepresence 2 does it on Linux): our DNS server is
// made the DNS server of the TUN link, with routing domains (~cluster.local, ~svc, namespaces,
// include-suffixes) so that only cluster names come to us. Undo is `resolvectl revert`; a SIGKILL
// leaves nothing to repair, because resolved forgets a link's settings when the TUN goes away.
// Untested here (no systemd on the build machine): the commands are checked by a unit test only.
import { access } from 'node:fs/promises';
import { runChecked, runHostCommand } from './command.js';

export interface ResolvedLinkSettings {
  /** The TUN device, e.g. tel0. */
  link: string;
  /** Our server: resolved accepts `ADDRESS:PORT` (systemd 246 and later). */
  address: string;
  port: number;
  /** Routing-only domains (sent to us, not added to the search list): cluster.local, svc, ns1, ... */
  routingDomains: readonly string[];
  /** Search domains for single-label names (the namespace's ns.svc.cluster.local). */
  searchDomains: readonly string[];
}

/** The resolvectl calls that configure the link, in order. */
export function resolvedCommands(s: ResolvedLinkSettings): string[][] {
  const server = s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  const domains = [...s.routingDomains.map((d) => `~${d.replace(/^[.~]+/, '')}`), ...s.searchDomains];
  return [
    ['dns', s.link, server],
    ['domain', s.link, ...domains],
    // Not the default route for names outside the domains: the rest keeps its usual servers.
    ['default-route', s.link, 'false'],
    ['llmnr', s.link, 'no'],
    ['mdns', s.link, 'no'],
    ['dnssec', s.link, 'no'],
    ['flush-caches'],
  ];
}

/** True when systemd-resolved runs and resolv.conf sends questions to it (its stub or its files). */
export async function systemdResolvedInUse(resolvConfText: string): Promise<boolean> {
  try {
    await access('/run/systemd/resolve');
  } catch {
    return false;
  }
  const usesStub = /^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(resolvConfText) || /systemd-resolved/.test(resolvConfText);
  if (!usesStub) return false;
  try {
    return (await runHostCommand('resolvectl', ['status'])).exitCode === 0;
  } catch {
    return false; // not installed: resolv.conf it is
  }
}

/** Configures the link; returns the undo (revert the link, flush). */
export async function configureResolvedLink(settings: ResolvedLinkSettings): Promise<() => Promise<void>> {
  const undo = async () => {
    await runChecked('resolvectl', ['revert', settings.link]);
    await runChecked('resolvectl', ['flush-caches']);
  };
  try {
    for (const args of resolvedCommands(settings)) await runChecked('resolvectl', args);
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
  return undo;
}
