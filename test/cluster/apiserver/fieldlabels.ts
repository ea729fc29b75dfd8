// Field selectors as the API server allows them: per resource the field labels its storage knows
// (every kind has metadata.name and metadata.namespace; pods, events, secrets, ... a few more), any
// other label refused with `field label not supported: X`. Pure.
import { matchRequirements, parseFieldSelector } from './selectors.js';
import { badRequest } from './status.js';
import type { KObject } from './store.js';

type Getter = (o: KObject) => unknown;

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const EXTRA: Record<string, Record<string, Getter>> = {
  pods: {
    'spec.nodeName': (o) => o.spec?.nodeName,
    'spec.restartPolicy': (o) => o.spec?.restartPolicy,
    'spec.schedulerName': (o) => o.spec?.schedulerName,
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => o.status?.phase,
    'status.podIP': (o) => o.status?.podIPs?.[0]?.ip ?? o.status?.podIP,
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName,
  },
  events: {
    'involvedObject.kind': (o) => o.involvedObject?.kind,
    'involvedObject.namespace': (o) => o.involvedObject?.namespace,
    'involvedObject.name': (o) => o.involvedObject?.name,
    'involvedObject.uid': (o) => o.involvedObject?.uid,
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath,
    reason: (o) => o.reason,
    reportingComponent: (o) => o.reportingComponent,
    source: (o) => o.source?.component,
    type: (o) => o.type,
  },
  secrets: { type: (o) => o.type },
  namespaces: { 'status.phase': (o) => o.status?.phase },
  nodes: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
  replicasets: { 'status.replicas': (o) => o.status?.replicas ?? 0 },
  services: { 'spec.clusterIP': (o) => o.spec?.clusterIP, 'spec.type': (o) => o.spec?.type },
};

/** The value of a field label of a resource, or undefined when that resource has no such label. */
export function fieldLabel(resource: string, label: string): Getter | undefined {
  if (label === 'metadata.name') return (o) => o.metadata?.name;
  if (label === 'metadata.namespace') return (o) => o.metadata?.namespace;
  return EXTRA[resource]?.[label];
}

/** A filter for `?fieldSelector=`; throws 400 for a label the resource does not support. */
export function fieldSelectorFilter(resource: string, text: string): (o: KObject) => boolean {
  const reqs = parseFieldSelector(text);
  const getters = new Map<string, Getter>();
  for (const r of reqs) {
    const g = fieldLabel(resource, r.key);
    if (!g) throw badRequest(`field label not supported: ${r.key}`);
    getters.set(r.key, g);
  }
  return (o) => matchRequirements(reqs, (k) => str((getters.get(k) as Getter)(o)));
}
