// The StatefulSet controller's decisions (planStatefulSet): OrderedReady creation and scale-down one
// pod at a time, Parallel all at once, rolling updates highest ordinal first, and the status it writes.
import { expect } from 'chai';

import { planStatefulSet, podForOrdinal, updateRevision } from '../../../cluster/apiserver/controllers/statefulset-plan.js';
import type { KObject } from '../../../cluster/apiserver/store.js';

function sts(spec: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'u1', generation: 3 },
    spec: { replicas: 3, serviceName: 'web-svc', selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } }, ...spec },
  };
}

type State = 'ready' | 'pending' | 'terminating' | 'failed' | 'old';

function pod(set: KObject, ordinal: number, state: State): KObject {
  const p = podForOrdinal(set, ordinal, { uid: set.metadata.uid });
  if (state === 'old') p.metadata.labels['controller-revision-hash'] = 'web-old';
  if (state === 'terminating') p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const ready = state === 'ready' || state === 'old' || state === 'terminating';
  p.status = { phase: state === 'failed' ? 'Failed' : ready ? 'Running' : 'Pending',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  return p;
}

describe('cluster StatefulSet plan', () => {
  const cases: [string, KObject, State[], { create: number[]; delete: string[] }][] = [
    ['a new set creates only its first pod', {}, [], { create: [0], delete: [] }],
    ['OrderedReady waits for a pending pod', {}, ['ready', 'pending'], { create: [], delete: [] }],
    ['the next ordinal once the ones before are ready', {}, ['ready', 'ready'], { create: [2], delete: [] }],
    ['Parallel creates every missing pod', { podManagementPolicy: 'Parallel' }, ['pending'], { create: [1, 2], delete: [] }],
    ['a failed pod is deleted, to be recreated', {}, ['ready', 'failed', 'ready'], { create: [], delete: ['web-1'] }],
    ['scale down deletes the highest ordinal first', { replicas: 1 }, ['ready', 'ready', 'ready'], { create: [], delete: ['web-2'] }],
    ['and waits while it terminates', { replicas: 1 }, ['ready', 'ready', 'terminating'], { create: [], delete: [] }],
    ['no scale down while a replica is unhealthy', { replicas: 1 }, ['pending', 'ready'], { create: [], delete: [] }],
    ['Parallel scales down all at once', { replicas: 1, podManagementPolicy: 'Parallel' }, ['ready', 'ready', 'ready'], { create: [], delete: ['web-2', 'web-1'] }],
    ['a rolling update replaces the highest outdated pod', {}, ['old', 'old', 'old'], { create: [], delete: ['web-2'] }],
    ['then the next one down', {}, ['old', 'old', 'ready'], { create: [], delete: ['web-1'] }],
    ['the partition keeps lower ordinals', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, ['old', 'old', 'ready'], { create: [], delete: [] }],
    ['OnDelete leaves outdated pods', { updateStrategy: { type: 'OnDelete' } }, ['old', 'old', 'old'], { create: [], delete: [] }],
    ['ordinals.start shifts the names', { replicas: 1, ordinals: { start: 5 } }, [], { create: [5], delete: [] }],
  ];
  for (const [name, spec, states, want] of cases) {
    it(name, () => {
      const set = sts(spec);
      const start = spec.ordinals?.start ?? 0;
      const plan = planStatefulSet(set, states.map((s, i) => pod(set, start + i, s)));
      expect({ create: plan.create, delete: plan.delete }).to.deep.equal(want);
    });
  }

  it('writes the status fields of the real controller, leaving zero counts out', () => {
    const set = sts({ replicas: 2 });
    const rev = updateRevision(set);
    expect(planStatefulSet(set, [pod(set, 0, 'ready'), pod(set, 1, 'pending')]).status).to.deep.equal({
      observedGeneration: 3, replicas: 2, readyReplicas: 1, currentReplicas: 2, updatedReplicas: 2,
      currentRevision: rev, updateRevision: rev, collisionCount: 0, availableReplicas: 1,
    });
    expect(planStatefulSet(set, []).status).to.deep.equal({
      observedGeneration: 3, replicas: 0, currentRevision: rev, updateRevision: rev, collisionCount: 0, availableReplicas: 0,
    });
  });

  it('names pods NAME-ORDINAL with a stable hostname in the governing Service', () => {
    const p = podForOrdinal(sts(), 1, { uid: 'u1' });
    expect(p.metadata.name).to.equal('web-1');
    expect(p.spec).to.include({ hostname: 'web-1', subdomain: 'web-svc' });
    expect(p.metadata.labels).to.include({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1' });
  });
});
