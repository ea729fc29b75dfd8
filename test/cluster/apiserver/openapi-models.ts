// The schemas of the kinds this server serves, named as in Kubernetes' OpenAPI (io.k8s.api...), for
// the /openapi/v2 and /openapi/v3 documents (kubectl's validation) and the server's strict field check.
// Every field of a modelled struct is listed (a missing one would be refused); `any` ends the model.

/** 's' string, 'i' integer, 'n' number, 'b' boolean, 'any' anything, '[T]' array, '{T}' map; else a model. */
export type FieldType = string;

export interface Model {
  gvk?: { group: string; version: string; kind: string };
  fields: Record<string, FieldType>;
  required?: string[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';

const objectMeta: Model = {
  fields: {
    annotations: '{s}', creationTimestamp: 's', deletionGracePeriodSeconds: 'i', deletionTimestamp: 's', finalizers: '[s]',
    generateName: 's', generation: 'i', labels: '{s}', managedFields: '[any]', name: 's', namespace: 's',
    ownerReferences: '[any]', resourceVersion: 's', selfLink: 's', uid: 's',
  },
};

const containerFields: Record<string, FieldType> = {
  args: '[s]', command: '[s]', env: `[${CORE}EnvVar]`, envFrom: '[any]', image: 's', imagePullPolicy: 's', lifecycle: 'any',
  livenessProbe: 'any', name: 's', ports: `[${CORE}ContainerPort]`, readinessProbe: 'any', resizePolicy: '[any]',
  resources: `${CORE}ResourceRequirements`, restartPolicy: 's', securityContext: 'any', startupProbe: 'any', stdin: 'b',
  stdinOnce: 'b', terminationMessagePath: 's', terminationMessagePolicy: 's', tty: 'b', volumeDevices: '[any]',
  volumeMounts: `[${CORE}VolumeMount]`, workingDir: 's',
};

const VOLUME_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image', 'iscsi',
  'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO',
  'secret', 'storageos', 'vsphereVolume',
];

const kind = (group: string, k: string, fields: Record<string, FieldType>, required?: string[]): Model => ({
  gvk: { group, version: 'v1', kind: k }, fields: { apiVersion: 's', kind: 's', metadata: `${META}ObjectMeta`, ...fields }, required,
});

export const MODELS: Record<string, Model> = {
  [`${META}ObjectMeta`]: objectMeta,
  [`${META}LabelSelector`]: { fields: { matchExpressions: '[any]', matchLabels: '{s}' } },
  [`${CORE}Container`]: { fields: containerFields, required: ['name'] },
  [`${CORE}EphemeralContainer`]: { fields: { ...containerFields, targetContainerName: 's' }, required: ['name'] },
  [`${CORE}ContainerPort`]: { fields: { containerPort: 'i', hostIP: 's', hostPort: 'i', name: 's', protocol: 's' }, required: ['containerPort'] },
  [`${CORE}EnvVar`]: { fields: { name: 's', value: 's', valueFrom: 'any' }, required: ['name'] },
  [`${CORE}VolumeMount`]: {
    fields: { mountPath: 's', mountPropagation: 's', name: 's', readOnly: 'b', recursiveReadOnly: 's', subPath: 's', subPathExpr: 's' },
    required: ['name', 'mountPath'],
  },
  [`${CORE}ResourceRequirements`]: { fields: { claims: '[any]', limits: '{s}', requests: '{s}' } },
  [`${CORE}Volume`]: { fields: { name: 's', ...Object.fromEntries(VOLUME_SOURCES.map((v) => [v, 'any'])) }, required: ['name'] },
  [`${CORE}PodSpec`]: {
    fields: {
      activeDeadlineSeconds: 'i', affinity: 'any', automountServiceAccountToken: 'b', containers: `[${CORE}Container]`,
      dnsConfig: 'any', dnsPolicy: 's', enableServiceLinks: 'b', ephemeralContainers: `[${CORE}EphemeralContainer]`,
      hostAliases: '[any]', hostIPC: 'b', hostNetwork: 'b', hostPID: 'b', hostUsers: 'b', hostname: 's',
      imagePullSecrets: '[any]', initContainers: `[${CORE}Container]`, nodeName: 's', nodeSelector: '{s}', os: 'any',
      overhead: '{s}', preemptionPolicy: 's', priority: 'i', priorityClassName: 's', readinessGates: '[any]',
      resourceClaims: '[any]', resources: 'any', restartPolicy: 's', runtimeClassName: 's', schedulerName: 's',
      schedulingGates: '[any]', securityContext: 'any', serviceAccount: 's', serviceAccountName: 's',
      setHostnameAsFQDN: 'b', shareProcessNamespace: 'b', subdomain: 's', terminationGracePeriodSeconds: 'i',
      tolerations: '[any]', topologySpreadConstraints: '[any]', volumes: `[${CORE}Volume]`,
    },
    required: ['containers'],
  },
  [`${CORE}PodTemplateSpec`]: { fields: { metadata: `${META}ObjectMeta`, spec: `${CORE}PodSpec` } },
  [`${CORE}ServicePort`]: { fields: { appProtocol: 's', name: 's', nodePort: 'i', port: 'i', protocol: 's', targetPort: 's' }, required: ['port'] },
  [`${CORE}ServiceSpec`]: {
    fields: {
      allocateLoadBalancerNodePorts: 'b', clusterIP: 's', clusterIPs: '[s]', externalIPs: '[s]', externalName: 's',
      externalTrafficPolicy: 's', healthCheckNodePort: 'i', internalTrafficPolicy: 's', ipFamilies: '[s]', ipFamilyPolicy: 's',
      loadBalancerClass: 's', loadBalancerIP: 's', loadBalancerSourceRanges: '[s]', ports: `[${CORE}ServicePort]`,
      publishNotReadyAddresses: 'b', selector: '{s}', sessionAffinity: 's', sessionAffinityConfig: 'any', trafficDistribution: 's', type: 's',
    },
  },
  [`${APPS}DeploymentSpec`]: {
    fields: {
      minReadySeconds: 'i', paused: 'b', progressDeadlineSeconds: 'i', replicas: 'i', revisionHistoryLimit: 'i',
      selector: `${META}LabelSelector`, strategy: 'any', template: `${CORE}PodTemplateSpec`,
    },
    required: ['selector', 'template'],
  },
  [`${APPS}ReplicaSetSpec`]: {
    fields: { minReadySeconds: 'i', replicas: 'i', selector: `${META}LabelSelector`, template: `${CORE}PodTemplateSpec` },
    required: ['selector'],
  },
  [`${CORE}Namespace`]: kind('', 'Namespace', { spec: 'any', status: 'any' }),
  [`${CORE}Pod`]: kind('', 'Pod', { spec: `${CORE}PodSpec`, status: 'any' }),
  [`${CORE}Service`]: kind('', 'Service', { spec: `${CORE}ServiceSpec`, status: 'any' }),
  [`${CORE}Endpoints`]: kind('', 'Endpoints', { subsets: '[any]' }),
  [`${CORE}Node`]: kind('', 'Node', { spec: 'any', status: 'any' }),
  [`${CORE}ConfigMap`]: kind('', 'ConfigMap', { binaryData: '{s}', data: '{s}', immutable: 'b' }),
  [`${CORE}Secret`]: kind('', 'Secret', { data: '{s}', immutable: 'b', stringData: '{s}', type: 's' }),
  [`${CORE}ServiceAccount`]: kind('', 'ServiceAccount', { automountServiceAccountToken: 'b', imagePullSecrets: '[any]', secrets: '[any]' }),
  [`${CORE}Event`]: kind('', 'Event', {
    action: 's', count: 'i', eventTime: 's', firstTimestamp: 's', involvedObject: 'any', lastTimestamp: 's', message: 's',
    reason: 's', related: 'any', reportingComponent: 's', reportingInstance: 's', series: 'any', source: 'any', type: 's',
  }, ['metadata', 'involvedObject']),
  ['io.k8s.api.events.v1.Event']: kind('events.k8s.io', 'Event', {
    action: 's', deprecatedCount: 'i', deprecatedFirstTimestamp: 's', deprecatedLastTimestamp: 's', deprecatedSource: 'any', eventTime: 's',
    note: 's', reason: 's', regarding: 'any', related: 'any', reportingController: 's', reportingInstance: 's', series: 'any', type: 's',
  }, ['eventTime']),
  [`${APPS}Deployment`]: kind('apps', 'Deployment', { spec: `${APPS}DeploymentSpec`, status: 'any' }),
  [`${APPS}ReplicaSet`]: kind('apps', 'ReplicaSet', { spec: `${APPS}ReplicaSetSpec`, status: 'any' }),
};

/** The model of a served kind, by its group and kind. */
export function modelOfKind(group: string, k: string): { name: string; model: Model } | undefined {
  for (const [name, model] of Object.entries(MODELS)) {
    if (model.gvk && model.gvk.group === group && model.gvk.kind === k) return { name, model };
  }
  return undefined;
}

/** A field type as a JSON schema (OpenAPI v2 with `#/definitions/`, v3 with `#/components/schemas/`). */
export function jsonSchemaOf(t: FieldType, refPrefix: string): Record<string, unknown> {
  if (t.startsWith('[')) return { type: 'array', items: jsonSchemaOf(t.slice(1, -1), refPrefix) };
  if (t.startsWith('{')) return { type: 'object', additionalProperties: jsonSchemaOf(t.slice(1, -1), refPrefix) };
  switch (t) {
    case 's': return { type: 'string' };
    case 'i': return { type: 'integer', format: 'int64' };
    case 'n': return { type: 'number' };
    case 'b': return { type: 'boolean' };
    case 'any': return {};
    default: return { $ref: `${refPrefix}${t}` };
  }
}

/** A model as a JSON schema object, with the GVK extension kubectl looks kinds up by. */
export function modelSchema(m: Model, refPrefix: string): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(m.fields).map(([k, t]) => [k, jsonSchemaOf(t, refPrefix)]));
  return {
    type: 'object', properties, ...(m.required ? { required: m.required } : {}),
    ...(m.gvk ? { 'x-kubernetes-group-version-kind': [m.gvk] } : {}),
  };
}

/** Unknown fields of `obj` against a model, as the API server's strict decoding names them (`spec.x[0].y`). */
export function unknownFields(obj: unknown, t: FieldType, path = ''): string[] {
  if (obj === null || obj === undefined || t === 'any') return [];
  if (t.startsWith('[')) {
    return Array.isArray(obj) ? obj.flatMap((v, i) => unknownFields(v, t.slice(1, -1), `${path}[${i}]`)) : [];
  }
  if (t.startsWith('{')) {
    if (typeof obj !== 'object' || Array.isArray(obj)) return [];
    return Object.entries(obj).flatMap(([k, v]) => unknownFields(v, t.slice(1, -1), path ? `${path}.${k}` : k));
  }
  const model = MODELS[t];
  if (!model || typeof obj !== 'object' || Array.isArray(obj)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (k.startsWith('$')) continue; // strategic merge patch directives
    const at = path ? `${path}.${k}` : k;
    const ft = model.fields[k];
    if (ft === undefined) out.push(at);
    else out.push(...unknownFields(v, ft, at));
  }
  return out;
}

/** The models of one API group's kinds and every model they refer to. */
export function modelsOfGroup(group: string): Record<string, Model> {
  const out: Record<string, Model> = {};
  const visit = (name: string) => {
    const m = MODELS[name];
    if (!m || out[name]) return;
    out[name] = m;
    for (const t of Object.values(m.fields)) visit(t.replace(/^[[{]+|[\]}]+$/g, ''));
  };
  for (const [name, m] of Object.entries(MODELS)) if (m.gvk?.group === group) visit(name);
  return out;
}
