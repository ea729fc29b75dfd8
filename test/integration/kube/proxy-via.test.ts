// startProxyViaRelay against an API server of its own (no kubelet, so no container ever runs): a workload
// found by bare name among the three kinds, no Ready pod (one line at the deadline), the ephemeral container
// as the API server stores it, the journal entry written before the patch, and the line when the relay does
// not start; the refusal of a DaemonSet. The relay that really runs is test/e2e/kube/proxy-via.test.ts.
import { expect } from 'chai';
import { execa } from 'execa';

import type { ChangeJournal } from '../../../src/changes.js';
import { ClusterError } from '../../../src/errors.js';
import { loadClientNode } from '../../../src/kube/client-node.js';
import { startProxyViaRelay } from '../../../src/kube/proxy-via.js';
import { eventually, failure, startTestApiServerWithNamespace, type TestApiServer } from '../../cluster/apiserver/testing.js';

const NS = 'relay-ns';
const SECRET = 'secret-of-this-test-0123';

describe('kube/proxy-via (in-process API server)', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let target: Parameters<typeof startProxyViaRelay>[0];

  before(async () => {
    const started = await startTestApiServerWithNamespace(NS);
    api = started.api;
    const { kubeConfig } = started;
    target = { kubeConfig, namespace: NS, context: kubeConfig.getCurrentContext() };
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'legacy' }, spec: { replicas: 1, selector: { matchLabels: { app: 'legacy' } },
      template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'app', image: 'app:1', ports: [{ containerPort: 9056 }] }] } } } };
    const applied = await execa('kubectl', ['-n', NS, 'apply', '-f', '-'], { input: JSON.stringify(rs), env: { KUBECONFIG: api.kubeconfigPath }, reject: false });
    expect(applied.exitCode, applied.stderr).to.equal(0);
    await eventually('the ReplicaSet\'s pod', async () => (await api.kubectl('-n', NS, 'get', 'pods', '-l', 'app=legacy', '-o', 'name')).stdout.trim() !== '');
  });
  after(async () => api?.stopAll());

  it('no Ready pod of the ReplicaSet found by its bare name: one line after the deadline', async () => {
    const err = await failure(startProxyViaRelay(target, 'legacy', { image: 'telepresence/proxy:test', secret: SECRET, sessionId: 's1', log: () => undefined, timeoutMs: 2000 }));
    expect(err).to.be.instanceOf(ClusterError);
    expect(err.message).to.equal(`--proxy-via: ReplicaSet legacy in namespace ${NS} has no Ready pod (1 not ready) after 2 s: the relay runs in one of its pods; scale it up or fix its pods (kubectl get pods -n ${NS})`);
  });

  it('a Ready pod: journalled, then the ephemeral container stored as given (port past the app\'s 9056); a relay that never starts is one line', async () => {
    expect(await api.markPodsReady(NS, 'app=legacy')).to.equal(1);
    const recorded: Array<{ kind: string; data: unknown; settled: boolean }> = [];
    const order: string[] = [];
    const k8s = await loadClientNode();
    const core = target.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=legacy' })).items;
    const podName = pod!.metadata!.name!;
    const journal: ChangeJournal = { record: (kind, data) => {
      const e = { kind, data: data as unknown, settled: false };
      recorded.push(e);
      order.push('journal');
      return { update: () => undefined, settle: () => { e.settled = true; }, settleAfter: (undo) => async () => { await undo(); e.settled = true; } };
    } };
    const lines: string[] = [];
    const started = Date.now();
    const err = await failure(startProxyViaRelay(target, 'legacy', { image: 'telepresence/proxy:test', secret: SECRET, sessionId: 's2', log: (l) => { lines.push(l); order.push('log'); }, journal, timeoutMs: 1000, idleSeconds: 7 }));
    expect(Date.now() - started).to.be.within(9_000, 20_000); // at least 10 s for the container
    expect(err.message).to.match(new RegExp(`^--proxy-via: the relay container telepresence-relay-s2 in pod ${podName} in namespace ${NS} did not start within 10 s \\(no status yet; pod phase Running`));
    expect(lines).to.deep.equal([`Adding the --proxy-via relay (container telepresence-relay-s2, port 9057) to pod ${podName} of ReplicaSet legacy`]);
    // Journalled before the line that precedes the patch; settled by the stop that followed the failure.
    expect(order).to.deep.equal(['journal', 'log']);
    expect(recorded.map((e) => [e.kind, e.settled])).to.deep.equal([['proxy-via-relay', true]]);
    expect(recorded[0]!.data).to.deep.equal({ context: target.context, namespace: NS, workload: 'ReplicaSet legacy', pod: podName, podUid: pod!.metadata!.uid, container: 'telepresence-relay-s2' });
    const stored = (await core.readNamespacedPod({ name: podName, namespace: NS })).spec!.ephemeralContainers!;
    expect(stored.map((c) => [c.name, c.image, c.command!.at(-1), c.env!.map((e) => `${e.name}=${e.value}`)])).to.deep.equal([
      ['telepresence-relay-s2', 'telepresence/proxy:test', 'relay',
        [`TELEPRESENCE_RELAY_SECRET=${SECRET}`, 'TELEPRESENCE_RELAY_PORT=9057', 'TELEPRESENCE_RELAY_IDLE_SECONDS=7']]]);
    expect(pod!.spec!.containers.map((c) => c.name)).to.deep.equal(['app']);
  });

  it('refuses a DaemonSet and names a missing StatefulSet', async () => {
    const ds = await failure(startProxyViaRelay(target, 'ds/agent', { image: 'i', secret: SECRET, sessionId: 's3', log: () => undefined }));
    expect(ds.message).to.equal('--proxy-via: "ds/agent" is a ds, not a Deployment, ReplicaSet or StatefulSet of the namespace: NAME, deployment/NAME, replicaset/NAME or statefulset/NAME');
    const sts = await failure(startProxyViaRelay(target, 'sts/legacy', { image: 'i', secret: SECRET, sessionId: 's3', log: () => undefined }));
    expect(sts.message).to.equal(`--proxy-via: no StatefulSet "legacy" in namespace "${NS}": name one there (kubectl get deployments,replicasets,statefulsets -n ${NS}), or use --namespace`);
  });
});
