// The objects of issue 10 against an API server of its own (no kubelet: testing.ts stands in for it):
// StatefulSets (ordered pods, scale, delete), Leases through client-node's CoordinationV1Api, ExternalName
// Services, and the pods/ephemeralcontainers subresource as `kubectl debug` uses it.
import fs from 'node:fs';
import path from 'node:path';

import type * as K8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { eventually, type TestApiServer } from '../../cluster/apiserver/testing.js';
import { type ClientNode, testApiWithClients } from '../helpers/client-node.js';

const CONFLICT = 'Operation cannot be fulfilled on leases.coordination.k8s.io "holder": the object has been modified; please apply your changes to the latest version and try again';

describe('apiserver objects: StatefulSets, Leases, ExternalName, ephemeral containers', function () {
  this.timeout(30_000);
  let api: TestApiServer;
  let k8s: ClientNode;
  let kc: K8s.KubeConfig;
  let core: K8s.CoreV1Api;
  let coordination: K8s.CoordinationV1Api;
  const namespace = 'objects';
  const k = (...args: string[]) => api.kubectl('-n', namespace, ...args);
  /** A manifest file for `kubectl create -f`. */
  const file = (name: string, obj: object) => {
    const p = path.join(api.stateDir, `${name}.json`);
    fs.writeFileSync(p, JSON.stringify(obj));
    return p;
  };
  const errorOf = async (p: Promise<unknown>) => {
    const err = (await p.then(() => undefined, (e: unknown) => e)) as { code?: number; body?: string } | undefined;
    if (!err) throw new Error('the call succeeded');
    return { code: err.code, message: JSON.parse(err.body ?? '{}').message as string };
  };

  before(async () => {
    ({ k8s, api, kc, core } = await testApiWithClients(namespace));
    coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  });
  after(async () => api?.stopAll());

  it('lists StatefulSets, Leases and pods/ephemeralcontainers in discovery and OpenAPI', async () => {
    const rows = (await api.kubectl('api-resources', '--no-headers')).stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(rows).to.include.members(['statefulsets sts apps/v1 true StatefulSet', 'leases coordination.k8s.io/v1 true Lease']);
    const pods = JSON.parse((await api.kubectl('get', '--raw', '/api/v1')).stdout) as { resources: { name: string; verbs: string[] }[] };
    expect(pods.resources.find((r) => r.name === 'pods/ephemeralcontainers')?.verbs).to.deep.equal(['get', 'patch', 'update']);
    const root = JSON.parse((await api.kubectl('get', '--raw', '/openapi/v3')).stdout) as { paths: Record<string, unknown> };
    expect(Object.keys(root.paths)).to.deep.equal(['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1', 'apis/events.k8s.io/v1']);
    // kubectl validates against these documents: a Lease from a file passes with validation on.
    const lease = file('lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'from-file' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
    const r = await api.kubectl('-n', namespace, 'create', '--validate=strict', '-f', lease);
    expect(r.stderr || r.stdout).to.equal('lease.coordination.k8s.io/from-file created');
  });

  it('creates StatefulSet pods in order, each after the one before is Ready, scales and deletes them', async () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: {
      replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'main', image: 'telepresence-test/tools:dev' }] } },
    } };
    const created = await k('create', '-f', file('sts', sts));
    expect(created.stdout).to.equal('statefulset.apps/db created');
    const podNames = async () => (await k('get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].metadata.name}')).stdout.split(' ').filter(Boolean);
    await eventually('db-0', async () => (await podNames()).length === 1);
    // OrderedReady: db-1 waits for db-0 (the controller ran many passes during that kubectl call).
    expect(await podNames()).to.deep.equal(['db-0']);
    await api.markPodsReady(namespace, 'app=db');
    await eventually('db-1', async () => (await podNames()).length === 2);
    expect(await podNames()).to.deep.equal(['db-0', 'db-1']);
    await api.markPodsReady(namespace, 'app=db');

    const pod = await core.readNamespacedPod({ name: 'db-1', namespace });
    expect(pod.spec?.hostname).to.equal('db-1');
    expect(pod.spec?.subdomain).to.equal('db');
    expect(pod.metadata?.labels).to.include({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
    expect(pod.metadata?.labels?.['controller-revision-hash']).to.match(/^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(pod.metadata?.ownerReferences).to.deep.equal([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: (await k('get', 'sts', 'db', '-o', 'jsonpath={.metadata.uid}')).stdout, controller: true, blockOwnerDeletion: true }]);

    await eventually('2/2 ready', async () => /^db\s+2\/2\s+\d+s$/.test((await k('get', 'sts', 'db', '--no-headers')).stdout));
    const status = JSON.parse((await k('get', 'sts', 'db', '-o', 'jsonpath={.status}')).stdout);
    expect(status).to.include({ replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 2, observedGeneration: 1, collisionCount: 0 });
    expect(status.currentRevision).to.equal(status.updateRevision);
    expect((await k('rollout', 'status', 'sts/db', '--timeout=5s')).stdout).to.equal('partitioned roll out complete: 2 new pods have been updated...');

    expect((await k('scale', 'sts/db', '--replicas=1')).stdout).to.equal('statefulset.apps/db scaled');
    await eventually('db-1 terminating', async () => (await k('get', 'pod', 'db-1', '-o', 'jsonpath={.metadata.deletionTimestamp}')).stdout !== '');
    await api.finishTerminatingPods(namespace, 'app=db');
    await eventually('db-1 gone', async () => (await podNames()).join() === 'db-0');
    await eventually('replicas 1', async () => (await k('get', 'sts', 'db', '-o', 'jsonpath={.status.replicas}')).stdout === '1');

    const forbidden = await k('patch', 'sts', 'db', '--type=merge', '-p', '{"spec":{"serviceName":"other"}}');
    expect(forbidden.stderr).to.equal("The StatefulSet \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");

    const events = (await k('get', 'events', '--field-selector', 'involvedObject.name=db', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}')).stdout.split('\n');
    expect(events).to.include.members(['SuccessfulCreate: create Pod db-0 in StatefulSet db successful', 'SuccessfulCreate: create Pod db-1 in StatefulSet db successful',
      'SuccessfulDelete: delete Pod db-1 in StatefulSet db successful']);

    expect((await k('delete', 'sts', 'db')).stdout).to.equal('statefulset.apps "db" deleted');
    await eventually('db-0 terminating', async () => (await k('get', 'pod', 'db-0', '-o', 'jsonpath={.metadata.deletionTimestamp}')).stdout !== '');
  });

  it('gives the pods of a headless Service their hostnames in its Endpoints', async () => {
    await k('create', '-f', file('headless', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'named' }, spec: { clusterIP: 'None', selector: { app: 'named' }, ports: [{ port: 80 }] } }));
    for (const [name, subdomain] of [['a', 'named'], ['b', 'elsewhere']]) {
      await core.createNamespacedPod({ namespace, body: { metadata: { name, labels: { app: 'named' } }, spec: { hostname: `host-${name}`, subdomain, containers: [{ name: 'c', image: 'x:1' }] } } });
    }
    await api.markPodsReady(namespace, 'app=named');
    const ep = await eventually('two addresses', async () => {
      const e = await core.readNamespacedEndpoints({ name: 'named', namespace });
      return e.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    expect(ep.subsets![0]!.addresses!.map((a) => `${a.targetRef?.name}:${a.hostname ?? ''}`).sort()).to.deep.equal(['a:host-a', 'b:']);
  });

  it('creates, renews and reads back a Lease through CoordinationV1Api, with 409 for a stale update', async () => {
    const acquired = new k8s.V1MicroTime(Date.parse('2026-01-02T03:04:05.678Z'));
    const created = await coordination.createNamespacedLease({ namespace, body: {
      metadata: { name: 'holder' }, spec: { holderIdentity: 'session-1', leaseDurationSeconds: 30, acquireTime: acquired, renewTime: acquired, leaseTransitions: 0 },
    } });
    expect(created.spec?.holderIdentity).to.equal('session-1');
    expect(JSON.parse((await k('get', 'lease', 'holder', '-o', 'json')).stdout).spec).to.deep.equal({
      holderIdentity: 'session-1', leaseDurationSeconds: 30, acquireTime: '2026-01-02T03:04:05.678000Z', renewTime: '2026-01-02T03:04:05.678000Z', leaseTransitions: 0,
    });
    expect((await k('get', 'lease', 'holder', '--no-headers')).stdout).to.match(/^holder\s+session-1\s+\d+s$/);

    const renewed = await coordination.replaceNamespacedLease({ name: 'holder', namespace, body: {
      ...created, spec: { ...created.spec, renewTime: new k8s.V1MicroTime(Date.parse('2026-01-02T03:04:15.001Z')) },
    } });
    expect(Number(renewed.metadata?.resourceVersion)).to.be.greaterThan(Number(created.metadata?.resourceVersion));
    const read = await coordination.readNamespacedLease({ name: 'holder', namespace });
    expect(String(read.spec?.renewTime)).to.equal('2026-01-02T03:04:15.001000Z');
    expect(read.metadata?.resourceVersion).to.equal(renewed.metadata?.resourceVersion);

    const stale = await errorOf(coordination.replaceNamespacedLease({ name: 'holder', namespace, body: { ...created, spec: { ...created.spec, holderIdentity: 'session-2' } } }));
    expect(stale).to.deep.equal({ code: 409, message: CONFLICT });

    // A plain Date has three fractional digits: the real server refuses it, so does this one.
    const plain = await errorOf(coordination.replaceNamespacedLease({ name: 'holder', namespace, body: { ...read, spec: { ...read.spec, renewTime: new Date('2026-01-02T03:04:25.000Z') } } }));
    expect(plain).to.deep.equal({ code: 400, message: 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:25.000Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".000Z" as ".000000"' });
    const bad = await errorOf(coordination.createNamespacedLease({ namespace, body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } } }));
    expect(bad).to.deep.equal({ code: 422, message: 'Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0' });

    const names = (await coordination.listNamespacedLease({ namespace })).items.map((l) => l.metadata?.name);
    expect(names).to.deep.equal(['from-file', 'holder']);
  });

  it('watches Leases through client-node', async () => {
    const list = await coordination.listNamespacedLease({ namespace });
    const seen: string[] = [];
    const ctl = await new k8s.Watch(kc).watch(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, { resourceVersion: list.metadata?.resourceVersion },
      (type, obj: K8s.V1Lease) => seen.push(`${type} ${obj.metadata?.name} ${obj.spec?.holderIdentity ?? ''}`.trim()), () => undefined);
    await coordination.createNamespacedLease({ namespace, body: { metadata: { name: 'watched' }, spec: { holderIdentity: 'a' } } });
    await coordination.patchNamespacedLease({ namespace, name: 'watched', body: { spec: { holderIdentity: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await coordination.deleteNamespacedLease({ namespace, name: 'watched' });
    await eventually('3 events', () => seen.length >= 3);
    ctl.abort();
    expect(seen).to.deep.equal(['ADDED watched a', 'MODIFIED watched b', 'DELETED watched b']);
  });

  it('serves ExternalName Services without a ClusterIP, and refuses one without a name', async () => {
    expect((await k('create', 'service', 'externalname', 'ext', '--external-name=db.example.com')).stdout).to.equal('service/ext created');
    const svc = await core.readNamespacedService({ name: 'ext', namespace });
    expect(svc.spec).to.deep.include({ type: 'ExternalName', externalName: 'db.example.com' });
    expect(svc.spec?.clusterIP).to.equal(undefined);
    expect((await k('get', 'svc', 'ext', '--no-headers')).stdout).to.match(/^ext\s+ExternalName\s+<none>\s+db\.example\.com\s+<none>\s+\d+s$/);
    const missing = await errorOf(core.createNamespacedService({ namespace, body: { metadata: { name: 'noname' }, spec: { type: 'ExternalName' } } }));
    expect(missing).to.deep.equal({ code: 422, message: 'Service "noname" is invalid: spec.externalName: Required value' });
    const withIp = await errorOf(core.createNamespacedService({ namespace, body: { metadata: { name: 'withip' }, spec: { type: 'ExternalName', externalName: 'x.example.com', clusterIP: '10.130.0.77' } } }));
    expect(withIp).to.deep.equal({ code: 422, message: 'Service "withip" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services' });
  });

  it('adds ephemeral containers through kubectl debug, and refuses to change or remove them', async () => {
    await core.createNamespacedPod({ namespace, body: { metadata: { name: 'target', labels: { app: 'target' } }, spec: { containers: [{ name: 'main', image: 'x:1' }] } } });
    await api.markPodsReady(namespace, 'app=target');
    const r = await k('debug', 'target', '--profile=general', '--image=telepresence-test/tools:dev', '--target=main', '-c', 'dbg', '--', 'ip', 'addr');
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('Targeting container "main". If you don\'t see processes from this container it may be because the container runtime doesn\'t support this feature.');
    const pod = await core.readNamespacedPod({ name: 'target', namespace });
    expect(pod.spec?.ephemeralContainers).to.deep.equal([{ name: 'dbg', image: 'telepresence-test/tools:dev', command: ['ip', 'addr'], targetContainerName: 'main',
      imagePullPolicy: 'IfNotPresent', resources: {}, securityContext: { capabilities: { add: ['SYS_PTRACE'] } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }]);

    const again = await k('debug', 'target', '--profile=general', '--image=telepresence-test/tools:dev', '-c', 'main');
    expect(again.stderr).to.equal('The Pod "target" is invalid: spec.ephemeralContainers[1].name: Duplicate value: "main"');
    const removed = await k('patch', 'pod', 'target', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"remove","path":"/spec/ephemeralContainers/0"}]');
    expect(removed.stderr).to.equal('The Pod "target" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed');
    const changed = await k('patch', 'pod', 'target', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"replace","path":"/spec/ephemeralContainers/0/image","value":"other:1"}]');
    expect(changed.stderr).to.equal('The Pod "target" is invalid: spec.ephemeralContainers[0]: Forbidden: existing ephemeral containers "dbg" may not be changed');
    // The main resource cannot change them either: they stay.
    await k('patch', 'pod', 'target', '--type=json', '-p', '[{"op":"remove","path":"/spec/ephemeralContainers"}]');
    expect((await core.readNamespacedPod({ name: 'target', namespace })).spec?.ephemeralContainers?.map((c) => c.name)).to.deep.equal(['dbg']);
  });
});
