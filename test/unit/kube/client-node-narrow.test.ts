// The narrow copy of client-node: the same exports as the package less the API groups left out, the same
// deserialized objects, and the copy that the product loads after `npm run build`.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { KEPT_APIS, narrowDir, NARROW_ENTRY, writeNarrowClientNode } from '../../../src/kube/client-node-narrow.js';

type Module = Record<string, unknown>;
const pkgDir = path.dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node/package.json')));

describe('client-node narrow copy', function () {
  this.timeout(60_000);
  let dir: string;
  let narrow: Module;
  let full: Module;
  let serializers: { narrow: Module; full: Module };

  before(async () => {
    // Inside the project, as the build's copy is: its bare imports resolve through the project's node_modules.
    dir = fs.mkdtempSync(path.join(narrowDir(), '..', 'test-narrow-'));
    const entry = writeNarrowClientNode(pkgDir, path.join(dir, 'client-node'));
    narrow = (await import(pathToFileURL(entry).href)) as Module;
    full = (await import('@kubernetes/client-node')) as Module;
    serializers = {
      narrow: (await import(pathToFileURL(path.join(dir, 'client-node/dist/gen/models/ObjectSerializer.js')).href)) as Module,
      full: (await import('@kubernetes/client-node/dist/gen/models/ObjectSerializer.js')) as Module,
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports what the package exports except the API groups left out', () => {
    const missing = Object.keys(full).filter((k) => !(k in narrow));
    const dropped = missing.filter((k) => k.endsWith('Api') && !(KEPT_APIS as readonly string[]).includes(k));
    expect(missing).to.deep.equal(dropped);
    expect(missing).to.include.members(['CustomObjectsApi', 'BatchV1Api', 'RbacAuthorizationV1Api']);
    expect(missing).to.not.include.members(['KubernetesObjectApi', 'KubeConfig', 'Watch', 'Exec', 'PortForward', 'V1Pod', 'V1MicroTime']);
    expect(Object.keys(narrow).filter((k) => !(k in full))).to.deep.equal([]);
    for (const api of KEPT_APIS) expect(narrow[api], api).to.be.a('function');
  });

  it('deserializes a Pod as the package does (class instances, dates as Date)', () => {
    const json = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: '2026-01-02T03:04:05Z', labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Running', startTime: '2026-01-02T03:04:06Z' } };
    type Serializer = { deserialize(data: unknown, type: string): Record<string, unknown> };
    const ours = (serializers.narrow.ObjectSerializer as Serializer).deserialize(json, 'V1Pod');
    const theirs = (serializers.full.ObjectSerializer as Serializer).deserialize(json, 'V1Pod');
    expect(ours).to.be.instanceOf(narrow.V1Pod as new () => object);
    expect((ours.metadata as { creationTimestamp: unknown }).creationTimestamp).to.be.instanceOf(Date);
    expect(JSON.stringify(ours)).to.equal(JSON.stringify(theirs));
    expect(ours.constructor.name).to.equal('V1Pod');
  });

  it('makes API clients of the kept groups from a KubeConfig', () => {
    type KubeConfigCtor = new () => { loadFromOptions(o: object): void; makeApiClient(c: unknown): Record<string, unknown> };
    const kc = new (narrow.KubeConfig as KubeConfigCtor)();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    expect(kc.makeApiClient(narrow.CoreV1Api).listNamespacedPod).to.be.a('function');
    expect(kc.makeApiClient(narrow.CoordinationV1Api).readNamespacedLease).to.be.a('function');
  });

  it('is written by the build where the product loads it', () => {
    expect(fs.existsSync(path.join(narrowDir(), NARROW_ENTRY)), 'run npm run build').to.equal(true);
  });
});
