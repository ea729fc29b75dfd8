// Checks the parsed YAML of config.yml key by key; every error names the file, the key and the value.
import { parseCidr } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { Config, TimeoutKey } from './config.js';
import { TIMEOUT_KEYS } from './config.js';
import { formatDuration, MAX_DURATION_MS, MIN_DURATION_MS, parseDuration } from './duration.js';

type Map = Record<string, unknown>;

const ROUTING_KEYS = [
  'allowConflictingSubnets',
  'autoResolveConflicts',
  'virtualSubnet',
  'alsoProxySubnets',
  'neverProxySubnets',
] as const;
const DNS_KEYS = ['includeSuffixes', 'excludeSuffixes', 'lookupTimeout'] as const;
const LOCAL_CLUSTER_KEYS = ['detect', 'nameserver'] as const;
const SECTIONS: Record<string, readonly string[]> = {
  routing: ROUTING_KEYS,
  dns: DNS_KEYS,
  localCluster: LOCAL_CLUSTER_KEYS,
  timeouts: TIMEOUT_KEYS,
};

const SUFFIX = /^\.?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;

/** Longer values are cut: the message stays one readable line whatever the file holds. */
const SHOW_MAX = 120;

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > SHOW_MAX ? `${text.slice(0, SHOW_MAX)}...` : text;
}

function isMap(value: unknown): value is Map {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  constructor(private readonly file: string) {}

  fail(key: string, value: unknown, expected: string): never {
    throw new ConfigError(`config file ${this.file}: ${key}: bad value ${show(value)}: ${expected}`);
  }

  /** `section` is null at the top; an odd key (empty, spaces, line breaks, long) is quoted and cut. */
  unknown(section: string | null, key: string, known: readonly string[]): never {
    const shown = /^[\w-]{1,120}$/.test(key) ? key : show(key);
    const where = section ? `under ${section}` : 'at the top';
    const path = section ? `${section}.${shown}` : shown;
    throw new ConfigError(`config file ${this.file}: unknown key ${path} (known keys ${where}: ${known.join(', ')})`);
  }

  section(name: string, value: unknown): Map {
    if (value === null || value === undefined) return {};
    if (!isMap(value)) this.fail(name, value, `expected a map with the keys ${SECTIONS[name].join(', ')}`);
    for (const key of Object.keys(value)) {
      if (!SECTIONS[name].includes(key)) this.unknown(name, key, SECTIONS[name]);
    }
    return value;
  }

  /** Telepresence 2 accepts one string where a list is expected (`allowConflictingSubnets: 10.128.0.0/9`). */
  list(key: string, value: unknown): unknown[] {
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) this.fail(key, value, 'expected a list');
    return value;
  }

  cidrs(key: string, value: unknown): string[] {
    return this.list(key, value).map((entry, i) => this.cidr(`${key}[${i}]`, entry));
  }

  cidr(key: string, value: unknown): string {
    // A long string is no CIDR, and the parser's message would quote all of it.
    if (typeof value !== 'string' || value.length > 100) this.fail(key, value, 'expected a CIDR such as 10.128.0.0/9');
    try {
      return parseCidr(value);
    } catch (err) {
      return this.fail(key, value, (err as Error).message);
    }
  }

  suffixes(key: string, value: unknown): string[] {
    return this.list(key, value).map((entry, i) => {
      if (typeof entry !== 'string' || !SUFFIX.test(entry)) {
        this.fail(`${key}[${i}]`, entry, 'expected a DNS suffix such as .example.com');
      }
      return entry;
    });
  }

  boolean(key: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(key, value, 'expected true or false');
    return value;
  }

  ipv4(key: string, value: unknown): string {
    const octets = typeof value === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value) : null;
    if (!octets || octets.slice(1).some((o) => Number(o) > 255)) this.fail(key, value, 'expected an IPv4 address such as 8.8.8.8');
    return value as string;
  }

  duration(key: string, value: unknown): number {
    const ms = parseDuration(value);
    if (ms === null) this.fail(key, value, 'expected a duration such as 500ms, 4s or 1m (a bare number is seconds)');
    if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS) {
      this.fail(key, value, `out of range: use a duration from ${formatDuration(MIN_DURATION_MS)} to ${formatDuration(MAX_DURATION_MS)}`);
    }
    return ms;
  }
}

/** Validate `doc` (the parsed YAML) over the defaults; returns a plain object for the caller to freeze. */
export function checkConfigDocument(file: string, doc: unknown, defaults: Config): Config {
  const check = new Checker(file);
  if (doc === null || doc === undefined) return { ...defaults, source: file };
  const top: Map = isMap(doc)
    ? doc
    : check.fail('(top level)', doc, `expected a map with the keys ${Object.keys(SECTIONS).join(', ')}`);
  for (const key of Object.keys(top)) {
    if (!Object.hasOwn(SECTIONS, key)) check.unknown(null, key, Object.keys(SECTIONS));
  }

  const routing = check.section('routing', top.routing);
  const dns = check.section('dns', top.dns);
  const timeouts = check.section('timeouts', top.timeouts);
  const localCluster = check.section('localCluster', top.localCluster);
  const given = (map: Map, key: string): boolean => map[key] !== undefined && map[key] !== null;
  const d = defaults;

  const timeoutMs = (key: TimeoutKey): number =>
    given(timeouts, key) ? check.duration(`timeouts.${key}`, timeouts[key]) : d.timeouts[`${key}Ms`];

  return {
    source: file,
    routing: {
      allowConflictingSubnets: given(routing, 'allowConflictingSubnets')
        ? check.cidrs('routing.allowConflictingSubnets', routing.allowConflictingSubnets)
        : [...d.routing.allowConflictingSubnets],
      autoResolveConflicts: given(routing, 'autoResolveConflicts')
        ? check.boolean('routing.autoResolveConflicts', routing.autoResolveConflicts)
        : d.routing.autoResolveConflicts,
      virtualSubnet: given(routing, 'virtualSubnet')
        ? check.cidr('routing.virtualSubnet', routing.virtualSubnet)
        : d.routing.virtualSubnet,
      alsoProxySubnets: given(routing, 'alsoProxySubnets')
        ? check.cidrs('routing.alsoProxySubnets', routing.alsoProxySubnets)
        : [...d.routing.alsoProxySubnets],
      neverProxySubnets: given(routing, 'neverProxySubnets')
        ? check.cidrs('routing.neverProxySubnets', routing.neverProxySubnets)
        : [...d.routing.neverProxySubnets],
    },
    dns: {
      includeSuffixes: given(dns, 'includeSuffixes')
        ? check.suffixes('dns.includeSuffixes', dns.includeSuffixes)
        : [...d.dns.includeSuffixes],
      excludeSuffixes: given(dns, 'excludeSuffixes')
        ? check.suffixes('dns.excludeSuffixes', dns.excludeSuffixes)
        : [...d.dns.excludeSuffixes],
      lookupTimeoutMs: given(dns, 'lookupTimeout')
        ? check.duration('dns.lookupTimeout', dns.lookupTimeout)
        : d.dns.lookupTimeoutMs,
    },
    localCluster: {
      detect: given(localCluster, 'detect') ? check.boolean('localCluster.detect', localCluster.detect) : d.localCluster.detect,
      nameserver: given(localCluster, 'nameserver') ? check.ipv4('localCluster.nameserver', localCluster.nameserver) : d.localCluster.nameserver,
    },
    timeouts: {
      clusterConnectMs: timeoutMs('clusterConnect'),
      proxyPodReadyMs: timeoutMs('proxyPodReady'),
      sshConnectMs: timeoutMs('sshConnect'),
      dnsReadyMs: timeoutMs('dnsReady'),
      portForwardMs: timeoutMs('portForward'),
      swapLeaseMs: timeoutMs('swapLease'),
      reconnectMs: timeoutMs('reconnect'),
    },
  };
}
