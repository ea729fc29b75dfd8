// The resources this server serves and the discovery documents kubectl reads to find them
// (/api, /api/v1, /apis, /apis/GROUP/v1, /version).

export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  resource: string; // plural
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: Record<string, { kind: string; verbs: string[] }>;
  categories?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = { kind: '', verbs: ['get', 'patch', 'update'] };

function res(
  group: string, resource: string, kind: string, namespaced: boolean, shortNames: string[],
  subs: Record<string, { kind: string; verbs: string[] }> = {}, categories?: string[],
): ResourceInfo {
  const withKinds = Object.fromEntries(Object.entries(subs).map(([k, v]) => [k, { ...v, kind: v.kind || kind }]));
  return {
    group, version: 'v1', resource, kind, singular: kind.toLowerCase(), namespaced, shortNames,
    subresources: withKinds, categories,
  };
}

const SCALE = { kind: 'Scale', verbs: ['get', 'patch', 'update'] };

export const RESOURCES: ResourceInfo[] = [
  res('', 'namespaces', 'Namespace', false, ['ns'], { status: STATUS, finalize: { kind: '', verbs: ['update'] } }),
  res('', 'pods', 'Pod', true, ['po'], {
    status: STATUS,
    log: { kind: 'Pod', verbs: ['get'] },
    portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
    attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  }, ['all']),
  res('', 'services', 'Service', true, ['svc'], { status: STATUS }, ['all']),
  res('', 'endpoints', 'Endpoints', true, ['ep']),
  res('', 'nodes', 'Node', false, ['no'], { status: STATUS }),
  res('', 'configmaps', 'ConfigMap', true, ['cm']),
  res('', 'secrets', 'Secret', true, []),
  res('', 'serviceaccounts', 'ServiceAccount', true, ['sa'], { token: { kind: 'TokenRequest', verbs: ['create'] } }),
  res('', 'events', 'Event', true, ['ev']),
  res('apps', 'deployments', 'Deployment', true, ['deploy'], { scale: SCALE, status: STATUS }, ['all']),
  res('apps', 'replicasets', 'ReplicaSet', true, ['rs'], { scale: SCALE, status: STATUS }, ['all']),
  res('apps', 'statefulsets', 'StatefulSet', true, ['sts'], { scale: SCALE, status: STATUS }, ['all']),
  res('coordination.k8s.io', 'leases', 'Lease', true, []),
  res('events.k8s.io', 'events', 'Event', true, ['ev']),
];

/** The API groups besides core, in the order /apis lists them. */
export const GROUPS: string[] = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))];
// "endpoints" is its own singular.
for (const r of RESOURCES) if (r.resource === 'endpoints') r.singular = 'endpoints';

export function findResource(group: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function versionInfo(): Record<string, string> {
  return {
    major: '1', minor: '32', gitVersion: 'v1.32.0-tp', gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(): Record<string, unknown> {
  return {
    kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  };
}

function groupEntry(name: string): Record<string, unknown> {
  const gv = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(groupEntry) };
}

export function apiGroup(name: string): Record<string, unknown> | undefined {
  if (!GROUPS.includes(name)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name) };
}

/** APIResourceList for one group/version, or undefined when we do not serve it. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  if (version !== 'v1' || (group !== '' && !GROUPS.includes(group))) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group)) {
    const main: Record<string, unknown> = {
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS,
    };
    if (r.shortNames.length) main.shortNames = r.shortNames;
    if (r.categories) main.categories = r.categories;
    resources.push(main);
    for (const [sub, s] of Object.entries(r.subresources)) {
      const entry: Record<string, unknown> = {
        name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs,
      };
      if (s.kind === 'Scale') { entry.group = 'autoscaling'; entry.version = 'v1'; }
      resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
