// The API server through @kubernetes/client-node: list, create, the three patch types, Watch
// (ADDED/MODIFIED/DELETED, resume from a resourceVersion) and an informer.
import type * as K8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { eventually, type TestApiServer } from '../../cluster/apiserver/testing.js';
import { type ClientNode, testApiWithClients } from '../helpers/client-node.js';

describe('apiserver through client-node', function () {
  this.timeout(30_000);
  let api: TestApiServer;
  // Loaded in before() through the shared loader (client-node 2 brings undici 8, made for Node 22).
  let k8s: ClientNode;
  let kc: K8s.KubeConfig;
  let core: K8s.CoreV1Api;
  let apps: K8s.AppsV1Api;
  const namespace = 'cn';

  before(async () => {
    ({ k8s, api, kc, core } = await testApiWithClients(namespace));
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  after(async () => api?.stopAll());

  it('lists the namespaces and services a fresh cluster has', async () => {
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).to.deep.equal(['cn', 'default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svcs = (await core.listServiceForAllNamespaces()).items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name} ${s.spec?.clusterIP}`);
    expect(svcs).to.deep.equal(['default/kubernetes 10.130.0.1', 'kube-system/kube-dns 10.130.0.10']);
  });

  it('creates and patches with merge, strategic merge and JSON patch', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'patched', labels: { a: '1' } }, data: { x: '1' } } });
    expect(created.metadata?.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).to.match(/^\d+$/);
    const merged = await core.patchNamespacedConfigMap({ namespace, name: 'patched', body: { data: { y: '2', x: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(merged.data).to.deep.equal({ y: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap({ namespace, name: 'patched', body: [{ op: 'add', path: '/metadata/labels/b', value: '2' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
    expect(jsonPatched.metadata?.labels).to.deep.equal({ a: '1', b: '2' });

    await apps.createNamespacedDeployment({ namespace, body: {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [
          { name: 'web', image: 'telepresence-test/echo:dev', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 8080 }] },
          { name: 'side', image: 'telepresence-test/tools:dev' },
        ] } },
      },
    } });
    const strategic = await apps.patchNamespacedDeployment({ namespace, name: 'web', body: {
      spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }, { name: 'A', $patch: 'delete' }], ports: [{ containerPort: 9090 }] }] } } },
    } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    const containers = strategic.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => c.name)).to.deep.equal(['web', 'side']);
    expect(containers[0].env).to.deep.equal([{ name: 'B', value: '2' }]);
    expect(containers[0].ports?.map((p) => p.containerPort)).to.deep.equal([8080, 9090]);
    expect(strategic.metadata?.generation).to.equal(2);
  });

  it('refuses a stale resourceVersion on replace with 409 Conflict', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'versioned' } } });
    await core.replaceNamespacedConfigMap({ namespace, name: 'versioned', body: { ...cm, data: { v: '1' } } });
    const err = await core.replaceNamespacedConfigMap({ namespace, name: 'versioned', body: { ...cm, data: { v: '2' } } }).catch((e: unknown) => e);
    expect((err as { code?: number }).code).to.equal(409);
    expect(JSON.parse((err as { body: string }).body).message).to.equal(
      'Operation cannot be fulfilled on configmaps "versioned": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('watches: ADDED, MODIFIED, DELETED, and resumes from a resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'watched=yes' },
      (type, obj: K8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name} ${obj.data?.k ?? ''}`.trim()), () => undefined);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w1', labels: { watched: 'yes' } }, data: { k: '1' } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'other' } } });
    await core.patchNamespacedConfigMap({ namespace, name: 'w1', body: { data: { k: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace, name: 'w1' });
    await eventually('3 events', () => seen.length >= 3);
    ctl.abort();
    expect(seen).to.deep.equal(['ADDED w1 1', 'MODIFIED w1 2', 'DELETED w1 2']);

    const replayed: string[] = [];
    const again = await watch.watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata?.resourceVersion, fieldSelector: 'metadata.name=w1' },
      (type, obj: K8s.V1ConfigMap) => replayed.push(`${type} ${obj.metadata?.name}`), () => undefined);
    await eventually('the replay', () => replayed.length >= 3);
    again.abort();
    expect(replayed).to.deep.equal(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  });

  it('feeds an informer', async () => {
    const namespace = 'cn-informer';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }));
    const events: string[] = [];
    informer.on('add', (p: K8s.V1Pod) => events.push(`add ${p.metadata?.name} ${p.spec?.nodeName}`));
    informer.on('update', (p: K8s.V1Pod) => events.push(`update ${p.metadata?.name} ${p.metadata?.deletionTimestamp ? 'terminating' : ''}`.trim()));
    informer.on('delete', (p: K8s.V1Pod) => events.push(`delete ${p.metadata?.name}`));
    await informer.start();
    await core.createNamespacedPod({ namespace, body: { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'telepresence-test/echo:dev' }] } } });
    await core.deleteNamespacedPod({ namespace, name: 'p1' });
    await core.deleteNamespacedPod({ namespace, name: 'p1', gracePeriodSeconds: 0 });
    await eventually('add, update, delete', () => events.length >= 3);
    await informer.stop();
    expect(events).to.deep.equal(['add p1 tp-node', 'update p1 terminating', 'delete p1']);
  });
});
