// Which resolver answers a name on the workstation: the cluster or the original one. The rules
// and their order are Telepresence 2's (rootd/dns Server.shouldDoClusterLookup).

export interface DnsPolicy {
  /** e.g. cluster.local */
  clusterDomain: string;
  /** Names with these suffixes go to the cluster (and beat an exclude-suffix no longer than them). */
  includeSuffixes: string[];
  /** Names with these suffixes stay on the workstation; TP2's default is .com .io .net .org .ru. */
  excludeSuffixes: string[];
  /** Exact names that never go to the cluster (also when qualified by a search path entry). */
  excludes: string[];
  /** Namespaces whose names resolve in the cluster: "svc.ns", "name.ns". */
  mappedNamespaces: string[];
  /** The search path handed to the workstation, e.g. ns.svc.cluster.local. */
  searchPath: string[];
}

export type DnsDestination = 'cluster' | 'workstation';

export const DEFAULT_EXCLUDE_SUFFIXES = ['.com', '.io', '.net', '.org', '.ru'];

const norm = (s: string): string => s.trim().toLowerCase().replace(/\.+$/, '');

/**
 * Suffix match on label boundaries. A suffix written with a leading dot (".com") matches as text;
 * one without ("ns", "svc.cluster.local") matches the whole name or a whole trailing part of it.
 * TP2 compares raw strings (so namespace "ault" matched "x.default"); we do not copy that.
 */
export function hasNameSuffix(name: string, suffix: string): boolean {
  const s = suffix.trim().toLowerCase().replace(/\.+$/, '');
  if (s === '' || s === '.') return false;
  if (s.startsWith('.')) return name.endsWith(s);
  return name === s || name.endsWith(`.${s}`);
}

function isExcluded(name: string, policy: DnsPolicy): boolean {
  const excludes = policy.excludes.map(norm);
  if (excludes.includes(name)) return true;
  // With a search path, "db" is asked as "db.ns.svc.cluster.local": exclude that form too.
  return policy.searchPath.map(norm).some(
    (sp) => sp !== '' && name.endsWith(`.${sp}`) && excludes.includes(name.slice(0, -sp.length - 1)),
  );
}

/**
 * 1. wpad.* never goes to the cluster (WPAD proxy discovery). 2. Explicit excludes. 3. Single-label
 * names go to the cluster. 4. An exclude-suffix keeps the name on the workstation unless an
 * include-suffix at least as long also matches. 5. Search path, mapped namespaces, `svc`, the
 * cluster domain and include-suffixes go to the cluster. 6. Anything else: the workstation.
 */
export function dnsDestination(name: string, policy: DnsPolicy): DnsDestination {
  const d = decide(name, policy);
  return d === 'unmatched' ? 'workstation' : d;
}

/**
 * Whether only rule 6 keeps `name` on the workstation: no rule names it (not wpad, not excluded, not an
 * exclude-suffix). With --proxy-via such names are asked of the relay first (a mesh's own names).
 */
export function isUnmatchedName(name: string, policy: DnsPolicy): boolean {
  return decide(name, policy) === 'unmatched';
}

function decide(name: string, policy: DnsPolicy): DnsDestination | 'unmatched' {
  const n = norm(name);
  if (n === 'wpad' || n.startsWith('wpad.')) return 'workstation';
  if (isExcluded(n, policy)) return 'workstation';
  if (!n.includes('.')) return 'cluster';
  for (const es of policy.excludeSuffixes) {
    if (!hasNameSuffix(n, es)) continue;
    const override = policy.includeSuffixes.some((is) => norm(is).length >= norm(es).length && hasNameSuffix(n, is));
    return override ? 'cluster' : 'workstation';
  }
  const clusterSuffixes = [
    ...policy.searchPath,
    ...policy.mappedNamespaces,
    'svc',
    policy.clusterDomain,
    ...policy.includeSuffixes,
  ];
  return clusterSuffixes.some((s) => hasNameSuffix(n, s)) ? 'cluster' : 'unmatched';
}
