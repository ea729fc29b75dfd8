// The patch formats: merge patch, JSON patch and the strategic merge patches kubectl sends.
import { expect } from 'chai';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from '../../../cluster/apiserver/patch.js';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'echo:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8080 }],
            volumeMounts: [{ name: 'v', mountPath: '/v' }] },
          { name: 'side', image: 'tools:1' },
        ],
        volumes: [{ name: 'v', emptyDir: {} }],
        tolerations: [{ key: 'x' }],
      },
    },
  },
});

describe('apiserver patches', () => {
  it('merge patch: sets, replaces lists and deletes with null', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] })).to.deep.equal({ a: 1, b: { d: 3, e: 4 }, l: [3] });
  });

  it('strategic merge: kubectl set env merges containers and env by name', () => {
    const out = strategicMergePatch(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }],
        containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'FOO' }], env: [{ name: 'FOO', value: 'bar' }] }] } } },
    }) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers.map((c) => c.name)).to.deep.equal(['web', 'side']);
    expect(out.spec.template.spec.containers[0].env).to.deep.equal([{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'FOO', value: 'bar' }]);
    expect(out.spec.template.spec.containers[0].image).to.equal('echo:1');
  });

  const table: [string, object, (d: ReturnType<typeof deployment>) => unknown, unknown][] = [
    ['set image', { spec: { template: { spec: { containers: [{ name: 'side', image: 'tools:2' }] } } } },
      (d) => d.spec.template.spec.containers.map((c) => c.image), ['echo:1', 'tools:2']],
    ['$patch: delete removes a list item by merge key', { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', $patch: 'delete' }] }] } } } },
      (d) => d.spec.template.spec.containers[0].env, [{ name: 'B', value: '2' }]],
    ['ports merge by containerPort', { spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090 }] }] } } } },
      (d) => d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, name: 'http' }, { containerPort: 9090 }]],
    ['volumeMounts merge by mountPath', { spec: { template: { spec: { containers: [{ name: 'web', volumeMounts: [{ name: 'w', mountPath: '/w' }] }] } } } },
      (d) => d.spec.template.spec.containers[0].volumeMounts?.map((m) => m.mountPath), ['/v', '/w']],
    ['volumes merge by name', { spec: { template: { spec: { volumes: [{ name: 'w', emptyDir: {} }] } } } },
      (d) => d.spec.template.spec.volumes.map((v) => v.name), ['v', 'w']],
    ['a list without merge key is replaced', { spec: { template: { spec: { tolerations: [{ key: 'y' }] } } } },
      (d) => d.spec.template.spec.tolerations, [{ key: 'y' }]],
    ['scale', { spec: { replicas: 3 } }, (d) => d.spec.replicas, 3],
    ['rollout restart annotates the template', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 't' } } } } },
      (d) => (d.spec.template.metadata as Record<string, unknown>).annotations, { 'kubectl.kubernetes.io/restartedAt': 't' }],
    ['label removal with null', { metadata: { labels: { app: null, tier: 'x' } } }, (d) => d.metadata.labels, { tier: 'x' }],
    ['finalizers merge as a set', { metadata: { finalizers: ['b', 'a'] } }, (d) => d.metadata.finalizers, ['a', 'b']],
    ['$deleteFromPrimitiveList', { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, (d) => d.metadata.finalizers, []],
    ['$patch: replace on a map', { spec: { template: { metadata: { $patch: 'replace', labels: { x: 'y' } } } } },
      (d) => d.spec.template.metadata, { labels: { x: 'y' } }],
    ['$retainKeys drops the other keys', { spec: { template: { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'configMap'], configMap: { name: 'c' } }] } } } },
      (d) => d.spec.template.spec.volumes, [{ name: 'v', configMap: { name: 'c' } }]],
  ];
  for (const [name, patch, pick, want] of table) {
    it(`strategic merge: ${name}`, () => {
      expect(pick(strategicMergePatch(deployment(), patch) as ReturnType<typeof deployment>)).to.deep.equal(want);
    });
  }

  it('service ports merge by port', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    expect(strategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } }))
      .to.deep.equal({ spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
  });

  it('JSON patch: add, replace, remove, move, copy, test', () => {
    const doc = { a: { b: 1 }, l: [1, 2] };
    expect(jsonPatch(doc, [
      { op: 'add', path: '/a/c', value: 2 }, { op: 'replace', path: '/a/b', value: 3 }, { op: 'add', path: '/l/-', value: 3 },
      { op: 'remove', path: '/l/0' }, { op: 'copy', from: '/a/c', path: '/d' }, { op: 'move', from: '/d', path: '/e' },
      { op: 'test', path: '/e', value: 2 },
    ])).to.deep.equal({ a: { b: 3, c: 2 }, l: [2, 3], e: 2 });
    expect(doc).to.deep.equal({ a: { b: 1 }, l: [1, 2] });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/a/b', value: 9 }])).to.throw('testing value /a/b failed');
  });

  it('refuses apply patches with 415', () => {
    expect(() => applyPatch('application/apply-patch+yaml', {}, {})).to.throw(/unknown format/);
  });
});
