// The Endpoints controller: for every Service with a selector, the IPs of its pods (ready ones
// under `addresses`, the rest under `notReadyAddresses`) with the target ports resolved per pod
// (named container ports included). Services without a selector keep hand-made Endpoints.
import { resourceFor, type Registry } from '../registry.js';
import { matchLabels, selectorRequirements } from '../selectors.js';
import type { KObject } from '../store.js';
import type { Controller } from './manager.js';
import { canonical, isPodReady } from './owners.js';

function resolvePort(pod: KObject, svcPort: KObject): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (svcPort.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

export function subsetsFor(svc: KObject, pods: KObject[]): KObject[] {
  const groups = new Map<string, { ports: KObject[]; addresses: KObject[]; notReadyAddresses: KObject[] }>();
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata.deletionTimestamp) continue;
    const ports: KObject[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolvePort(pod, sp);
      if (port === undefined) continue;
      const ep: KObject = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    if (!ports.length && (svc.spec.ports ?? []).length) continue;
    const key = canonical(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, addresses: [], notReadyAddresses: [] }));
    // A pod's own DNS name (<hostname>.<svc>.<ns>.svc) comes from here, as in the real controller.
    const named = pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
    const address = {
      ip, ...(named ? { hostname: pod.spec.hostname } : {}), nodeName: pod.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    if (isPodReady(pod) || svc.spec.publishNotReadyAddresses) g.addresses.push(address);
    else g.notReadyAddresses.push(address);
  }
  const byIp = (a: KObject, b: KObject) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  return [...groups.values()].map((g) => {
    const s: KObject = {};
    if (g.addresses.length) s.addresses = g.addresses.sort(byIp);
    if (g.notReadyAddresses.length) s.notReadyAddresses = g.notReadyAddresses.sort(byIp);
    if (g.ports.length) s.ports = g.ports;
    return s;
  });
}

export const endpointsController: Controller = {
  name: 'endpoints',
  reconcile(registry: Registry) {
    const epInfo = resourceFor('endpoints');
    for (const svc of registry.list('services')) {
      const sel = svc.spec?.selector;
      if (!sel || !Object.keys(sel).length || svc.metadata.deletionTimestamp) continue;
      const ns = svc.metadata.namespace;
      const reqs = selectorRequirements({ matchLabels: sel });
      const pods = registry.list('pods', ns).filter((p) => matchLabels(reqs, p.metadata.labels));
      const subsets = subsetsFor(svc, pods);
      const labels = svc.metadata.labels;
      const existing = registry.find('endpoints', ns, svc.metadata.name);
      if (!existing) {
        const ep: KObject = { metadata: { name: svc.metadata.name, ...(labels ? { labels } : {}) } };
        if (subsets.length) ep.subsets = subsets;
        registry.create(epInfo, ns, ep);
        continue;
      }
      if (canonical(existing.subsets ?? []) === canonical(subsets) && canonical(existing.metadata.labels ?? {}) === canonical(labels ?? {})) continue;
      const next: KObject = { ...existing, metadata: { ...existing.metadata, resourceVersion: undefined, labels } };
      if (subsets.length) next.subsets = subsets;
      else delete next.subsets;
      registry.update(epInfo, ns, svc.metadata.name, next);
    }
  },
};

/** A Service's Endpoints go with it (when the controller made them from a selector). */
export function removeServiceEndpoints(registry: Registry, svc: KObject): void {
  if (!svc.spec?.selector) return;
  if (registry.find('endpoints', svc.metadata.namespace, svc.metadata.name)) {
    registry.delete(resourceFor('endpoints'), svc.metadata.namespace, svc.metadata.name, {});
  }
}
