// Field numbers of the Kubernetes protobuf messages this server decodes (from k8s.io/api's
// generated.proto), limited to what kubectl's `create` generators and common pod specs carry.
// Fields not listed are skipped. `pointer` marks optional fields whose zero value is meaningful.

export type FieldType = 's' | 'ss' | 'i' | 'b' | 'y' | 'time' | 'intstr' | 'mss' | 'msy' | 'mq' | Schema;
export interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  pointer?: boolean;
  /** An embedded struct whose fields appear at the parent's level in JSON. */
  inline?: boolean;
}
export type Schema = { [field: number]: Field };

const f = (name: string, type: FieldType, opts: Partial<Field> = {}): Field => ({ name, type, ...opts });
const rep = (name: string, type: Schema): Field => ({ name, type, repeated: true });

const OwnerReference: Schema = {
  1: f('kind', 's'), 3: f('name', 's'), 4: f('uid', 's'), 5: f('apiVersion', 's'),
  6: f('controller', 'b', { pointer: true }), 7: f('blockOwnerDeletion', 'b', { pointer: true }),
};
const ObjectMeta: Schema = {
  1: f('name', 's'), 2: f('generateName', 's'), 3: f('namespace', 's'), 5: f('uid', 's'), 6: f('resourceVersion', 's'),
  7: f('generation', 'i'), 8: f('creationTimestamp', 'time'), 11: f('labels', 'mss'), 12: f('annotations', 'mss'),
  13: rep('ownerReferences', OwnerReference), 14: f('finalizers', 'ss'),
};
const LabelSelector: Schema = {
  1: f('matchLabels', 'mss'),
  2: rep('matchExpressions', { 1: f('key', 's'), 2: f('operator', 's'), 3: f('values', 'ss') }),
};
const LocalObjectReference: Schema = { 1: f('name', 's') };
const KeySelector: Schema = { 1: f('', LocalObjectReference, { inline: true }), 2: f('key', 's'), 3: f('optional', 'b', { pointer: true }) };
const EnvVar: Schema = {
  1: f('name', 's'), 2: f('value', 's'),
  3: f('valueFrom', {
    1: f('fieldRef', { 1: f('apiVersion', 's'), 2: f('fieldPath', 's') }),
    3: f('configMapKeyRef', KeySelector),
    4: f('secretKeyRef', KeySelector),
  }),
};
const EnvFrom: Schema = {
  1: f('prefix', 's'),
  2: f('configMapRef', { 1: f('', LocalObjectReference, { inline: true }), 2: f('optional', 'b', { pointer: true }) }),
  3: f('secretRef', { 1: f('', LocalObjectReference, { inline: true }), 2: f('optional', 'b', { pointer: true }) }),
};
const Container: Schema = {
  1: f('name', 's'), 2: f('image', 's'), 3: f('command', 'ss'), 4: f('args', 'ss'), 5: f('workingDir', 's'),
  6: rep('ports', { 1: f('name', 's'), 2: f('hostPort', 'i'), 3: f('containerPort', 'i'), 4: f('protocol', 's'), 5: f('hostIP', 's') }),
  7: rep('env', EnvVar),
  8: f('resources', { 1: f('limits', 'mq'), 2: f('requests', 'mq') }),
  9: rep('volumeMounts', { 1: f('name', 's'), 2: f('readOnly', 'b'), 3: f('mountPath', 's'), 4: f('subPath', 's') }),
  13: f('terminationMessagePath', 's'), 14: f('imagePullPolicy', 's'),
  16: f('stdin', 'b'), 17: f('stdinOnce', 'b'), 18: f('tty', 'b'), 19: rep('envFrom', EnvFrom),
  20: f('terminationMessagePolicy', 's'),
};
const KeyToPath: Schema = { 1: f('key', 's'), 2: f('path', 's'), 3: f('mode', 'i', { pointer: true }) };
const Volume: Schema = {
  1: f('name', 's'),
  2: f('', {
    2: f('emptyDir', { 1: f('medium', 's') }, { pointer: true }),
    6: f('secret', { 1: f('secretName', 's'), 2: rep('items', KeyToPath), 3: f('defaultMode', 'i', { pointer: true }), 4: f('optional', 'b', { pointer: true }) }, { pointer: true }),
    19: f('configMap', { 1: f('', LocalObjectReference, { inline: true }), 2: rep('items', KeyToPath), 3: f('defaultMode', 'i', { pointer: true }), 4: f('optional', 'b', { pointer: true }) }, { pointer: true }),
  }, { inline: true }),
};
const PodSpec: Schema = {
  1: rep('volumes', Volume), 2: rep('containers', Container), 3: f('restartPolicy', 's'),
  4: f('terminationGracePeriodSeconds', 'i', { pointer: true }), 6: f('dnsPolicy', 's'), 7: f('nodeSelector', 'mss'),
  8: f('serviceAccountName', 's'), 10: f('nodeName', 's'), 11: f('hostNetwork', 'b'), 15: rep('imagePullSecrets', LocalObjectReference),
  16: f('hostname', 's'), 17: f('subdomain', 's'), 19: f('schedulerName', 's'), 20: rep('initContainers', Container),
  21: f('automountServiceAccountToken', 'b', { pointer: true }), 30: f('enableServiceLinks', 'b', { pointer: true }),
};
const PodTemplateSpec: Schema = { 1: f('metadata', ObjectMeta), 2: f('spec', PodSpec) };
const ServicePort: Schema = {
  1: f('name', 's'), 2: f('protocol', 's'), 3: f('port', 'i'), 4: f('targetPort', 'intstr'), 5: f('nodePort', 'i'), 6: f('appProtocol', 's'),
};
const ObjectReference: Schema = {
  1: f('kind', 's'), 2: f('namespace', 's'), 3: f('name', 's'), 4: f('uid', 's'), 5: f('apiVersion', 's'),
};

export const KIND_SCHEMAS: Record<string, Schema> = {
  'v1/Namespace': { 1: f('metadata', ObjectMeta), 2: f('spec', { 1: f('finalizers', 'ss') }) },
  'v1/ConfigMap': { 1: f('metadata', ObjectMeta), 2: f('data', 'mss'), 3: f('binaryData', 'msy'), 4: f('immutable', 'b', { pointer: true }) },
  'v1/Secret': {
    1: f('metadata', ObjectMeta), 2: f('data', 'msy'), 3: f('type', 's'), 4: f('stringData', 'mss'), 5: f('immutable', 'b', { pointer: true }),
  },
  'v1/ServiceAccount': {
    1: f('metadata', ObjectMeta), 2: rep('secrets', ObjectReference), 3: rep('imagePullSecrets', LocalObjectReference),
    4: f('automountServiceAccountToken', 'b', { pointer: true }),
  },
  'v1/Service': {
    1: f('metadata', ObjectMeta),
    2: f('spec', {
      1: rep('ports', ServicePort), 2: f('selector', 'mss'), 3: f('clusterIP', 's'), 4: f('type', 's'), 5: f('externalIPs', 'ss'),
      7: f('sessionAffinity', 's'), 10: f('externalName', 's'), 13: f('publishNotReadyAddresses', 'b'), 18: f('clusterIPs', 'ss'),
    }),
  },
  'v1/Pod': { 1: f('metadata', ObjectMeta), 2: f('spec', PodSpec) },
  'apps/v1/Deployment': {
    1: f('metadata', ObjectMeta),
    2: f('spec', {
      1: f('replicas', 'i', { pointer: true }), 2: f('selector', LabelSelector), 3: f('template', PodTemplateSpec),
      4: f('strategy', { 1: f('type', 's'), 2: f('rollingUpdate', { 1: f('maxUnavailable', 'intstr'), 2: f('maxSurge', 'intstr') }) }),
      5: f('minReadySeconds', 'i'), 6: f('revisionHistoryLimit', 'i', { pointer: true }), 7: f('paused', 'b'),
      9: f('progressDeadlineSeconds', 'i', { pointer: true }),
    }),
  },
  'authentication.k8s.io/v1/TokenRequest': {
    1: f('metadata', ObjectMeta),
    2: f('spec', {
      1: f('audiences', 'ss'), 3: f('boundObjectRef', { 1: f('kind', 's'), 2: f('apiVersion', 's'), 3: f('name', 's'), 4: f('uid', 's') }),
      4: f('expirationSeconds', 'i', { pointer: true }),
    }),
  },
};
