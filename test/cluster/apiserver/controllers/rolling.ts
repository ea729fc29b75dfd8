// The RollingUpdate strategy, as the deployment controller does it: grow the new ReplicaSet up to
// replicas + maxSurge pods in all, remove unhealthy old pods first, then old available ones while
// at least replicas - maxUnavailable stay available. Pure: returns the replica counts to set.

export interface RsCounts {
  name: string;
  /** spec.replicas */
  spec: number;
  /** status.availableReplicas */
  available: number;
}

/** An IntOrString of the strategy, against `total` replicas (percent rounded up for surge, down for unavailable). */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) value = '25%';
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isFinite(Number(value)) ? Number(value) : 0;
  const exact = (total * Number(m[1])) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** New replica counts by ReplicaSet name (only the ones that change). `old` is oldest first. */
export function rollingStep(want: number, maxSurge: number | string | undefined, maxUnavailable: number | string | undefined,
  newRs: RsCounts, old: RsCounts[]): Map<string, number> {
  const surge = resolveIntOrPercent(maxSurge, want, true);
  let unavailable = resolveIntOrPercent(maxUnavailable, want, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  const next = new Map<string, number>();
  const specOf = (rs: RsCounts) => next.get(rs.name) ?? rs.spec;
  const total = () => specOf(newRs) + old.reduce((n, rs) => n + specOf(rs), 0);

  if (newRs.spec > want) next.set(newRs.name, want);
  else if (newRs.spec < want) {
    const room = want + surge - total();
    if (room > 0) next.set(newRs.name, Math.min(want, newRs.spec + room));
  }

  const minAvailable = want - unavailable;
  const newUnavailable = Math.max(0, specOf(newRs) - newRs.available);
  let cleanup = total() - minAvailable - newUnavailable;
  for (const rs of old) {
    if (cleanup <= 0) break;
    const unhealthy = specOf(rs) - Math.min(rs.available, specOf(rs));
    if (unhealthy <= 0) continue;
    const n = Math.min(unhealthy, cleanup);
    next.set(rs.name, specOf(rs) - n);
    cleanup -= n;
  }

  const available = Math.min(newRs.available, specOf(newRs)) + old.reduce((n, rs) => n + Math.min(rs.available, specOf(rs)), 0);
  let scaleDown = available - minAvailable;
  for (const rs of old) {
    if (scaleDown <= 0) break;
    const n = Math.min(specOf(rs), scaleDown);
    if (n === 0) continue;
    next.set(rs.name, specOf(rs) - n);
    scaleDown -= n;
  }
  for (const [name, n] of next) {
    const rs = name === newRs.name ? newRs : old.find((x) => x.name === name);
    if (rs && rs.spec === n) next.delete(name);
  }
  return next;
}
