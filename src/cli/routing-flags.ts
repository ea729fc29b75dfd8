// The routing flags shared by a session and `telepresence plan`: --also-proxy, --vnat,
// --proxy-via, --allow-conflicting-subnets. Values are checked with the engine's parsers.
import { isIP } from 'node:net';
import type { ArgumentGroup, Namespace } from 'argparse';
import { checkVnatRequests, parseCidr, parseProxyViaFlag, parseVnatFlag } from '../engine/index.js';
import type { VnatRequest } from '../engine/types.js';
import type { AlsoProxy, RoutingOptions } from '../config/session-options.js';
import { TelepresenceError, UsageError } from '../errors.js';
import { quote } from './parser-base.js';

export function addRoutingFlags(group: ArgumentGroup, alsoProxyHelp: string): void {
  group.add_argument('--also-proxy', {
    dest: 'also_proxy',
    metavar: 'HOST|IP|CIDR',
    action: 'append',
    default: [],
    help: alsoProxyHelp,
  });
  group.add_argument('--vnat', {
    metavar: 'CIDR|service|pods|also|all',
    action: 'append',
    default: [],
    help:
      'Translate this subnet (or the named subnets) to the virtual subnet instead of routing it, ' +
      'e.g. to avoid a VPN. Repeatable.',
  });
  group.add_argument('--proxy-via', {
    dest: 'proxy_via',
    metavar: 'CIDR=WORKLOAD',
    action: 'append',
    default: [],
    help:
      "Like --vnat, but the traffic leaves the cluster from WORKLOAD's pod; CIDR may also be " +
      'service, pods, also or all. Repeatable.',
  });
  group.add_argument('--allow-conflicting-subnets', {
    dest: 'allow_conflicting_subnets',
    metavar: 'CIDR',
    action: 'append',
    default: [],
    help:
      "Route cluster subnets inside CIDR even where they overlap a route of the workstation's " +
      '(adds to routing.allowConflictingSubnets of the config file). Repeatable.',
  });
}

/** Re-throw an engine error about a flag value as `argument --flag: ...`, unless it names the flag already. */
export function asFlagError(flag: string, err: unknown): never {
  if (err instanceof TelepresenceError) {
    const message = err.message.includes(flag) ? err.message : `argument ${flag}: ${err.message}`;
    throw new UsageError(message);
  }
  throw err;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function parseAlsoProxy(values: readonly string[]): AlsoProxy {
  const cidrs: string[] = [];
  const hostnames: string[] = [];
  for (const value of values) {
    const family = isIP(value);
    if (family !== 0 || value.includes('/')) {
      const cidr = family === 4 ? `${value}/32` : family === 6 ? `${value}/128` : value;
      try {
        cidrs.push(parseCidr(cidr));
      } catch (err) {
        asFlagError('--also-proxy', err);
      }
    } else if (HOSTNAME.test(value) && !/^[\d.]+$/.test(value)) {
      hostnames.push(value.replace(/\.$/, ''));
    } else {
      throw new UsageError(
        `argument --also-proxy: ${quote(value)}: expected a hostname, an IP address or a CIDR, ` +
          'e.g. --also-proxy db.example.com or --also-proxy 10.8.0.0/16',
      );
    }
  }
  return { cidrs, hostnames };
}

export function resolveRoutingFlags(args: Namespace): RoutingOptions {
  const vnat: VnatRequest[] = [];
  for (const value of args.vnat as string[]) {
    try {
      vnat.push(parseVnatFlag(value));
    } catch (err) {
      asFlagError('--vnat', err);
    }
  }
  for (const value of args.proxy_via as string[]) {
    try {
      vnat.push(parseProxyViaFlag(value));
    } catch (err) {
      asFlagError('--proxy-via', err);
    }
  }
  // Checked together (overlaps, repeated symbols); `all` comes back as also, pods and service.
  const checked = checkVnatRequests(vnat);
  const allowConflictingSubnets: string[] = [];
  for (const value of args.allow_conflicting_subnets as string[]) {
    try {
      allowConflictingSubnets.push(parseCidr(value));
    } catch (err) {
      asFlagError('--allow-conflicting-subnets', err);
    }
  }
  return { alsoProxy: parseAlsoProxy(args.also_proxy as string[]), vnat: checked, allowConflictingSubnets };
}
