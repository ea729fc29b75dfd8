// Linux: through systemd-resolved when it runs and resolv.conf uses it (per-link DNS on the TUN,
// so only cluster names come to us), else by overriding resolv.conf's nameserver lines.
import { readFile } from 'node:fs/promises';
import { TelepresenceError } from '../errors.js';
import { resolvConfNameservers, resolvConfSearch } from './resolv-conf.js';
import type { HostResolverConfig, ResolverChange, ResolverEntry, ResolverTarget } from './resolver.js';
import { configureResolvedLink, systemdResolvedInUse } from './resolver-resolved.js';
import { overrideResolvConf, repairResolvConf, type ResolvConfPaths } from './resolver-resolvconf.js';

export class LinuxResolverConfig implements HostResolverConfig {
  constructor(private readonly paths: ResolvConfPaths) {}

  get entry(): ResolverEntry {
    return { platform: 'linux', paths: this.paths };
  }

  async apply(target: ResolverTarget): Promise<ResolverChange> {
    const text = await readFile(this.paths.resolvConf, 'utf8');
    const originalNameservers = resolvConfNameservers(text);
    const originalSearch = resolvConfSearch(text);
    if (target.link !== undefined && (await systemdResolvedInUse(text))) {
      const revert = await configureResolvedLink(
        { link: target.link, address: target.address, port: target.port, routingDomains: target.routingDomains, searchDomains: target.searchDomains },
      );
      let undone: Promise<string> | null = null;
      return {
        method: 'systemd-resolved',
        originalNameservers,
        originalSearch,
        undo: () => (undone ??= revert().then(() => `reverted the DNS settings of link ${target.link} in systemd-resolved`)),
        upstream: () => Promise.resolve(originalNameservers),
      };
    }
    if (target.port !== 53) {
      throw new TelepresenceError('bug', `resolv.conf can only name a DNS server on port 53, not ${target.address}:${target.port}`);
    }
    const override = await overrideResolvConf(target.address, this.paths);
    return { method: 'resolv.conf', originalNameservers, originalSearch, undo: override.undo, upstream: override.upstream };
  }

  repair(): Promise<string[]> {
    return repairResolvConf(this.paths);
  }
}
