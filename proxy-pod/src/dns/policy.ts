// What the pod's DNS server does with a query name (Telepresence 1's resolver.py): learn the
// workstation's search suffixes from `hellotelepresence` probes, strip them, and say which names
// to resolve in which order. Pure: no sockets, no resolver. The probe names are src/protocol's.
import { PROBE_PREFIX, PROBE_SANITY_CHECK_SUFFIX } from '../../../src/protocol/index.js';

/** Answer TTL in seconds: short, so that a changed Service is seen quickly. */
export const ANSWER_TTL_SECONDS = 5;

export type QueryPlan =
  /** A probe: answer PROBE_ANSWER; `learned` is the suffix it taught, null when none was new. */
  | { kind: 'probe'; learned: string | null }
  /** The launcher's sanity check: NXDOMAIN. */
  | { kind: 'sanity-check' }
  /** Resolve these names in order; the first that resolves answers under the asked name. */
  | { kind: 'resolve'; names: string[] };

/** Lower case, no trailing dot: the form every comparison uses. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** Suffixes kept at most: more than any resolv.conf search line; probes from anyone cannot grow it. */
export const MAX_SEARCH_SUFFIXES = 16;

/**
 * The workstation's search suffixes as learned from probes, longest (most labels) first, at most
 * `max`: past it the suffix probed least recently is forgotten.
 */
export class SearchSuffixes {
  private readonly suffixes: string[][] = [];
  /** Texts, least recently probed first. */
  private readonly recency: string[] = [];

  constructor(private readonly max = MAX_SEARCH_SUFFIXES) {}

  /** Adds a suffix; false when it was already known (it counts as probed now) or empty. */
  learn(suffix: string): boolean {
    const labels = normalizeName(suffix).split('.').filter(Boolean);
    if (labels.length === 0) return false;
    const text = labels.join('.');
    const seen = this.recency.indexOf(text);
    if (seen !== -1) {
      this.recency.splice(seen, 1);
      this.recency.push(text);
      return false;
    }
    if (this.recency.length >= this.max) {
      const oldest = this.recency.shift()!;
      this.suffixes.splice(this.suffixes.findIndex((s) => s.join('.') === oldest), 1);
    }
    // After every suffix at least as long, so equal lengths keep the order they were learned in.
    const at = this.suffixes.findIndex((s) => s.length < labels.length);
    this.suffixes.splice(at === -1 ? this.suffixes.length : at, 0, labels);
    this.recency.push(text);
    return true;
  }

  list(): string[] {
    return this.suffixes.map((s) => s.join('.'));
  }

  /** The name without the longest learned suffix it ends with, or null when none matches. */
  strip(name: string): string | null {
    const labels = normalizeName(name).split('.');
    for (const suffix of this.suffixes) {
      // Never strip the whole name: a bare suffix is a name of its own.
      if (labels.length <= suffix.length) continue;
      const tail = labels.slice(labels.length - suffix.length);
      if (tail.every((l, i) => l === suffix[i])) return labels.slice(0, labels.length - suffix.length).join('.');
    }
    return null;
  }
}

/** Decides how to answer `name`; learns a suffix when the name is a probe. */
export function planQuery(name: string, suffixes: SearchSuffixes): QueryPlan {
  const normal = normalizeName(name);
  const labels = normal.split('.');
  if (labels[0].startsWith(PROBE_PREFIX)) {
    // Also when the workstation's resolver appended its search suffix to the check's name.
    if (normal.endsWith(`.${PROBE_SANITY_CHECK_SUFFIX}`) || normal.includes(`.sanity.check.${PROBE_SANITY_CHECK_SUFFIX}.`)) {
      return { kind: 'sanity-check' };
    }
    const suffix = labels.slice(1).join('.');
    return { kind: 'probe', learned: suffixes.learn(suffix) ? suffix : null };
  }
  const stripped = suffixes.strip(normal);
  return { kind: 'resolve', names: stripped === null ? [normal] : [stripped, normal] };
}

/** The IPv4 address of a reverse-lookup name (`4.3.2.1.in-addr.arpa` -> 1.2.3.4), else null. */
export function ptrNameToIPv4(name: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(normalizeName(name));
  if (m === null) return null;
  const octets = [m[4], m[3], m[2], m[1]].map(Number);
  return octets.every((o) => o <= 255) ? octets.join('.') : null;
}

/**
 * Whether a name may be a cluster name (Telepresence 1's rule for local clusters): one or two
 * labels (`svc`, `svc.ns`), `.local`, anything with `.svc`, or a configured local name. On a
 * local cluster the other names go to an external nameserver: the pod's resolver would send them
 * to the workstation, whose DNS the session captures, and the query would loop.
 */
export function isClusterName(name: string, localNames: readonly string[] = []): boolean {
  const normal = normalizeName(name);
  const dots = normal.split('.').length - 1;
  if (dots <= 1 || normal.endsWith('.local') || normal.includes('.svc')) return true;
  return localNames.some((l) => normal === normalizeName(l) || normal.endsWith(`.${normalizeName(l)}`));
}
