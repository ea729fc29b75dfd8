// planRoutes: cluster subnets + host route table + config + flags -> what to route, VNAT, allow
// or refuse. Total: every problem lands in `errors` with Telepresence 2's text; nothing throws.
import type { Plan, PlanInput, PlannedSubnet, SubnetSource, VnatRequest, VnatTranslation } from './types.js';
import { formatNet, isLoopbackNet, netCovers, netEquals, toNet, type Net } from './cidr.js';
import { checkConflict, type ConflictResult } from './conflicts.js';
import { conflictMessage, formatRoute, loopbackMessage } from './format.js';
import { effectiveNeverProxy, isNeverProxied, isNeverProxyOverride } from './never-proxy.js';
import { checkVnatRequests, isVnatSymbol, LOCAL_VIA } from './vnat.js';

interface Candidate extends PlannedSubnet {
  net: Net;
  conflict: ConflictResult;
}

const SYMBOL_OF: Record<SubnetSource, string> = { service: 'service', pods: 'pods', also: 'also' };
const ROUTED = new Set(['route', 'allowed-conflict']);

function parseAll(values: string[], errors: string[]): Net[] {
  const nets: Net[] = [];
  for (const v of values) {
    try {
      nets.push(toNet(v));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return nets;
}

/** The explicit requests, checked; on a clash the error is reported and the requests used as given. */
function vnatRequests(input: VnatRequest[], errors: string[]): VnatRequest[] {
  try {
    return checkVnatRequests(input);
  } catch (e) {
    errors.push((e as Error).message);
    return input.flatMap((r) =>
      r.target === 'all' ? ['also', 'pods', 'service'].map((t) => ({ target: t, via: r.via })) : [r],
    );
  }
}

/** Drops loopback entries of an explicit list, with TP2's error text. */
function withoutLoopback(nets: Net[], kind: 'never-proxy' | 'allow-conflicting', errors: string[]): Net[] {
  return nets.filter((n) => {
    if (!isLoopbackNet(n)) return true;
    errors.push(loopbackMessage(kind, formatNet(n)));
    return false;
  });
}

/**
 * The routing plan (what `telepresence plan --json` prints). Per subnet, in this order:
 * 1. loopback: never-proxy (an explicit also-proxy one is also an error, unless `--vnat also`);
 * 2. explicit --vnat/--proxy-via (symbol or covering CIDR): vnat, before never-proxy, as TP2;
 * 3. covered by never-proxy (config or API server IP) without a more specific also-proxy: never-proxy;
 * 4. the conflict check: allowed -> allowed-conflict; a conflict -> vnat via local when
 *    autoResolveConflicts is on and no explicit request was given; otherwise the action stays
 *    `route`, conflictsWith names the route and the exact error is in `errors` (the caller must
 *    refuse to apply a plan with errors);
 * 5. covered by another routed subnet (and not a never-proxy override): covered.
 * The virtual subnet takes part in the conflict check once anything is translated, as in TP2.
 */
export function planRoutes(input: PlanInput): Plan {
  const errors: string[] = [];
  const routing = input.routing;
  const reqs = vnatRequests(input.vnat, errors);
  const symbolVia = new Map<string, string>();
  const cidrReqs: Array<{ net: Net; via: string }> = [];
  for (const r of reqs) {
    if (isVnatSymbol(r.target)) {
      if (!symbolVia.has(r.target)) symbolVia.set(r.target, r.via);
    } else cidrReqs.push(...parseAll([r.target], errors).map((net) => ({ net, via: r.via })));
  }

  let virtualNet: Net | null = null;
  try {
    virtualNet = toNet(routing.virtualSubnet);
  } catch (e) {
    errors.push((e as Error).message);
  }
  const virtualSubnet = virtualNet ? formatNet(virtualNet) : routing.virtualSubnet;

  // The API server's own IPs: a local cluster's 127.0.0.1 is never routed anyway, so no error.
  const apiServer = parseAll(input.apiServerIps, errors).filter((n) => !isLoopbackNet(n));
  const neverProxy = [...withoutLoopback(parseAll(routing.neverProxySubnets, errors), 'never-proxy', errors), ...apiServer];
  const allow = withoutLoopback(parseAll(routing.allowConflictingSubnets, errors), 'allow-conflicting', errors);
  const alsoProxy = uniqueByEquality(parseAll([...input.alsoProxy, ...routing.alsoProxySubnets], errors));
  const alsoProxyRoutable = alsoProxy.filter((n) => !isLoopbackNet(n));
  const check = { routes: input.routes, allowConflicting: allow, tunDevice: input.tunDevice };

  const sources: Array<[SubnetSource, Net[]]> = [
    ['service', parseAll(input.serviceSubnets, errors)],
    ['pods', parseAll(input.podSubnets, errors)],
    ['also', alsoProxy],
  ];
  const candidates: Candidate[] = [];
  for (const [source, nets] of sources) {
    for (const net of nets) {
      const c: Candidate = {
        cidr: formatNet(net), source, action: 'route', conflictsWith: null, via: null, net, conflict: { kind: 'none' },
      };
      candidates.push(c);
      // An explicit VNAT/proxy-via of "also" makes a loopback also-proxy legal (TP2 alsoProxyVia).
      if (isLoopbackNet(net) && !(source === 'also' && symbolVia.has('also'))) {
        if (source === 'also') errors.push(loopbackMessage('also-proxy', c.cidr));
        c.action = 'never-proxy';
        continue;
      }
      const via = symbolVia.get(SYMBOL_OF[source]) ?? cidrReqs.find((r) => netCovers(r.net, net))?.via;
      if (via !== undefined) {
        c.action = 'vnat';
        c.via = via;
        continue;
      }
      if (isNeverProxied(net, neverProxy, alsoProxyRoutable)) {
        c.action = 'never-proxy';
        continue;
      }
      c.conflict = checkConflict(net, check);
      if (c.conflict.kind === 'allowed') c.action = 'allowed-conflict';
      if (c.conflict.kind !== 'none') c.conflictsWith = formatRoute(c.conflict.route);
    }
  }

  // Explicit VNAT/proxy-via means the user has chosen: what still conflicts is an error (TP2 returns
  // it as is). Otherwise, unless autoResolveConflicts is false, each conflicting subnet is VNAT'd;
  // that can uncover a subnet that was covered by it, so repeat until nothing changes.
  const autoResolve = routing.autoResolveConflicts && reqs.length === 0;
  let covered = coveredSet(candidates, neverProxy);
  for (let changed = autoResolve; changed; ) {
    changed = false;
    for (const c of candidates) {
      if (c.action === 'route' && c.conflict.kind === 'conflict' && !covered.has(c)) {
        c.action = 'vnat';
        c.via = LOCAL_VIA;
        changed = true;
      }
    }
    if (changed) covered = coveredSet(candidates, neverProxy);
  }
  for (const c of candidates) {
    if (covered.has(c)) {
      c.action = 'covered';
      c.conflictsWith = null;
    } else if (c.action === 'route' && c.conflict.kind === 'conflict') {
      errors.push(conflictMessage(c.cidr, c.conflict.route));
    }
  }

  const translations = translationsOf(cidrReqs, candidates);
  // The virtual subnet is routed as soon as anything is translated, so it is checked too (TP2 adds
  // the VIP subnet to the subnets it validates); a conflict there cannot be resolved by VNAT.
  if (translations.length > 0 && virtualNet) {
    const vc = checkConflict(virtualNet, check);
    if (vc.kind === 'conflict') errors.push(conflictMessage(virtualSubnet, vc.route));
  }

  const routed = candidates.filter((c) => ROUTED.has(c.action)).map((c) => c.net);
  return {
    virtualSubnet,
    subnets: candidates.map(({ cidr, source, action, conflictsWith, via }) => ({ cidr, source, action, conflictsWith, via })),
    errors,
    neverProxy: uniqueByEquality(effectiveNeverProxy(neverProxy, routed)).map(formatNet),
    translations,
  };
}

/** Routed candidates covered by another routed one (the earlier one when equal), minus never-proxy overrides. */
function coveredSet(candidates: Candidate[], neverProxy: Net[]): Set<Candidate> {
  const routed = candidates.filter((c) => ROUTED.has(c.action));
  const covered = new Set<Candidate>();
  routed.forEach((c, i) => {
    const by = routed.find((o, j) =>
      (netEquals(o.net, c.net) ? j < i : netCovers(o.net, c.net)) && !isNeverProxyOverride(c.net, o.net, neverProxy),
    );
    if (by) covered.add(c);
  });
  return covered;
}

function translationsOf(cidrReqs: Array<{ net: Net; via: string }>, candidates: Candidate[]): VnatTranslation[] {
  const all = [
    ...cidrReqs,
    ...candidates.filter((c) => c.action === 'vnat').map((c) => ({ net: c.net, via: c.via ?? LOCAL_VIA })),
  ];
  // Equal ranges are listed once (the first wins); nested ones stay, the most specific applies.
  return all
    .filter((t, i) => all.findIndex((o) => netEquals(o.net, t.net)) === i)
    .map((t) => ({ cidr: formatNet(t.net), via: t.via }));
}

function uniqueByEquality(nets: Net[]): Net[] {
  return nets.filter((n, i) => nets.findIndex((o) => netEquals(o, n)) === i);
}

/**
 * The CIDRs to route to the TUN for a plan: routed subnets plus the virtual subnet when anything is
 * translated. (Never-proxy holes are plan.neverProxy; VNAT'd cluster subnets are not routed.)
 */
export function tunRoutes(plan: Plan): string[] {
  const cidrs = plan.subnets.filter((s) => ROUTED.has(s.action)).map((s) => s.cidr);
  if (plan.translations.length > 0) cidrs.push(plan.virtualSubnet);
  return cidrs;
}
