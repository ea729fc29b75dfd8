// Several sessions on one workstation share the host's one resolver as a chain (src/host/resolver-chain.ts):
// the newest session's DNS gets every question; the names of a namespace that another live session
// works in (and this one does not) are passed on, as they are, to the previous resolver, so that each
// session's namespace is answered by that session. Pure: the caller says which sessions run.
import { normalizeName } from './records.js';

/** Another live session of this workstation, as the DNS chain needs it. */
export interface NeighbourSession {
  pid: number;
  namespace: string;
}

/**
 * The namespace a cluster name names: `x.NS.svc.DOMAIN`, `x.NS.pod.DOMAIN`, `x.NS.svc`, else the last
 * label of a name of two or more labels (`svc.NS`, Telepresence 1's `yourservice.default`); null for
 * a single label or the cluster domain itself.
 */
export function namespaceOfName(name: string, clusterDomain: string): string | null {
  const n = normalizeName(name);
  const domain = normalizeName(clusterDomain);
  const labels = n.split('.');
  for (const kind of ['svc', 'pod']) {
    const tail = `.${kind}.${domain}`;
    if (n.endsWith(tail)) {
      const head = n.slice(0, -tail.length).split('.');
      return head.length >= 2 ? head[head.length - 1]! : head[0] || null;
    }
  }
  if (n === domain || n.endsWith(`.${domain}`)) return null;
  if (labels.length >= 3 && labels[labels.length - 1] === 'svc') return labels[labels.length - 2]!;
  return labels.length >= 2 ? labels[labels.length - 1]! : null;
}

/**
 * The WorkstationDns `answeredElsewhere` rule of a session in `ownNamespaces`: a cluster-bound name of
 * another live session's namespace is that session's (the line says whose), unless it is ours too.
 */
export function answeredElsewhere(
  ownNamespaces: readonly string[], neighbours: () => readonly NeighbourSession[], clusterDomain: string,
): (name: string) => string | null {
  const own = new Set(ownNamespaces.map((n) => n.toLowerCase()));
  return (name) => {
    const ns = namespaceOfName(name, clusterDomain);
    if (ns === null || own.has(ns)) return null;
    const owner = neighbours().find((s) => s.namespace.toLowerCase() === ns);
    return owner === undefined ? null : `namespace ${ns} of telepresence pid ${owner.pid}`;
  };
}
