// The Table columns per resource, following kubectl's printers (pkg/printers/internalversion).
import type { KObject } from './store.js';
import { age, humanDuration } from './age.js';
import { selectorString } from './resources/workloads.js';

export interface Column {
  name: string;
  type?: string;
  priority?: number; // 1 = only with -o wide
  cell: (o: KObject) => string | number;
}

const NAME: Column = { name: 'Name', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', cell: age };
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));
const labelsText = (m: Record<string, string> | undefined) =>
  m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';

/** The STATUS column of a pod, kubectl's printPod in short. */
export function podStatus(pod: KObject): { reason: string; ready: number; restarts: number; lastRestart?: string } {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  let hasRunning = false;
  const statuses: KObject[] = pod.status?.containerStatuses ?? [];
  for (const cs of [...statuses].reverse()) {
    restarts += cs.restartCount ?? 0;
    const finished = cs.lastState?.terminated?.finishedAt;
    if (finished && (!lastRestart || finished > lastRestart)) lastRestart = finished;
    const st = cs.state ?? {};
    if (st.waiting?.reason) reason = st.waiting.reason;
    else if (st.terminated?.reason) reason = st.terminated.reason;
    else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
    else if (st.running && cs.ready) {
      hasRunning = true;
      ready++;
    }
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return { reason, ready, restarts, lastRestart };
}

const images = (o: KObject) => (o.spec.template?.spec?.containers ?? []).map((c: KObject) => c.image).join(',');
const containers = (o: KObject) => (o.spec.template?.spec?.containers ?? []).map((c: KObject) => c.name).join(',');

function servicePorts(svc: KObject): string {
  const ports: KObject[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

function endpointsText(ep: KObject): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) {
    for (const a of s.addresses ?? []) {
      if (!(s.ports ?? []).length) all.push(a.ip);
      for (const p of s.ports ?? []) all.push(`${a.ip}:${p.port}`);
    }
  }
  if (!all.length) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function nodeStatus(node: KObject): string {
  const ready = (node.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready');
  const s = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  return node.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}

const COLUMNS: Record<string, Column[]> = {
  pods: [
    NAME,
    { name: 'Ready', cell: (o) => `${podStatus(o).ready}/${(o.spec.containers ?? []).length}` },
    { name: 'Status', cell: (o) => podStatus(o).reason },
    { name: 'Restarts', cell: (o) => {
      const s = podStatus(o);
      return s.lastRestart ? `${s.restarts} (${humanDuration(Date.now() - Date.parse(s.lastRestart))} ago)` : String(s.restarts);
    } },
    AGE,
    { name: 'IP', priority: 1, cell: (o) => none(o.status?.podIP) },
    { name: 'Node', priority: 1, cell: (o) => none(o.spec.nodeName) },
    { name: 'Nominated Node', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', priority: 1, cell: () => '<none>' },
  ],
  services: [
    NAME,
    { name: 'Type', cell: (o) => o.spec.type },
    { name: 'Cluster-IP', cell: (o) => none(o.spec.clusterIP) },
    { name: 'External-IP', cell: (o) => (o.spec.type === 'LoadBalancer' ? '<pending>' : o.spec.externalName ?? '<none>') },
    { name: 'Port(s)', cell: servicePorts },
    AGE,
    { name: 'Selector', priority: 1, cell: (o) => labelsText(o.spec.selector) },
  ],
  deployments: [
    NAME,
    { name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    AGE,
    { name: 'Containers', priority: 1, cell: containers },
    { name: 'Images', priority: 1, cell: images },
    { name: 'Selector', priority: 1, cell: (o) => selectorString(o.spec.selector) },
  ],
  replicasets: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    AGE,
    { name: 'Containers', priority: 1, cell: containers },
    { name: 'Images', priority: 1, cell: images },
    { name: 'Selector', priority: 1, cell: (o) => selectorString(o.spec.selector) },
  ],
  statefulsets: [
    NAME,
    { name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec.replicas ?? 0}` },
    AGE,
    { name: 'Containers', priority: 1, cell: containers },
    { name: 'Images', priority: 1, cell: images },
  ],
  leases: [NAME, { name: 'Holder', cell: (o) => o.spec?.holderIdentity ?? '' }, AGE],
  namespaces: [NAME, { name: 'Status', cell: (o) => o.status?.phase ?? 'Active' }, AGE],
  nodes: [
    NAME, { name: 'Status', cell: nodeStatus },
    { name: 'Roles', cell: () => '<none>' }, AGE,
    { name: 'Version', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', priority: 1, cell: (o) => none((o.status?.addresses ?? []).find((a: KObject) => a.type === 'InternalIP')?.address) },
    { name: 'External-IP', priority: 1, cell: (o) => none((o.status?.addresses ?? []).find((a: KObject) => a.type === 'ExternalIP')?.address) },
    { name: 'OS-Image', priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? '<unknown>' },
    { name: 'Kernel-Version', priority: 1, cell: (o) => o.status?.nodeInfo?.kernelVersion ?? '<unknown>' },
    { name: 'Container-Runtime', priority: 1, cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>' },
  ],
  configmaps: [NAME, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, AGE],
  secrets: [NAME, { name: 'Type', cell: (o) => o.type }, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, AGE],
  serviceaccounts: [NAME, { name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length }, AGE],
  endpoints: [NAME, { name: 'Endpoints', cell: endpointsText }, AGE],
  events: [
    // core/v1 fields, or their events.k8s.io/v1 names (the same objects in the other API version).
    { name: 'Last Seen', cell: (o) => humanDuration(Date.now() - Date.parse(o.lastTimestamp ?? o.deprecatedLastTimestamp ?? o.series?.lastObservedTime ?? o.eventTime ?? o.metadata.creationTimestamp)) },
    { name: 'Type', cell: (o) => o.type ?? '' },
    { name: 'Reason', cell: (o) => o.reason ?? '' },
    { name: 'Object', cell: (o) => {
      const ref = o.involvedObject ?? o.regarding ?? {};
      return `${String(ref.kind ?? '').toLowerCase()}/${ref.name ?? ''}`;
    } },
    { name: 'Message', cell: (o) => o.message ?? o.note ?? '' },
  ],
};

export function columnsFor(resource: string): Column[] {
  return COLUMNS[resource] ?? [NAME, AGE];
}
