// Deployments on the local node through the real kubectl: rollout status finishes, a template change
// (kubectl set env) replaces the pod with one that has the new env, scale works both ways, and
// deleting the Deployment deletes its pods; the Service follows the pods that are ready.
import { expect } from 'chai';

import { useCluster, waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, runScript } from '../helpers/pods.js';

describe('cluster workloads', function () {
  this.timeout(240_000);
  const fx = useCluster();

  const deployment = (replicas: number) => JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: {
      containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 } }] } } },
  });

  async function runningPods(): Promise<{ name: string; env: string[] }[]> {
    const list = await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=web' });
    return list.items.filter((p) => !p.metadata!.deletionTimestamp)
      .map((p) => ({ name: p.metadata!.name!, env: (p.spec!.containers[0]!.env ?? []).map((e) => `${e.name}=${e.value}`) }));
  }

  it('rolls out a Deployment, serves it through a Service, and replaces the pod on a template change', async () => {
    await fx.kubectl(['apply', '-f', '-'], deployment(1));
    await fx.kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    const out = await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    expect(out.split('\n').pop()).to.equal('deployment "web" successfully rolled out');
    const first = (await runningPods())[0]?.name;
    expect(first).to.match(/^web-[a-z0-9]+-[a-z0-9]{5}$/);

    expect(await fx.kubectl(['set', 'env', 'deployment/web', 'COLOR=blue'])).to.equal('deployment.apps/web env updated');
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const after = await waitFor('the old pod to be gone', 60_000, async () => {
      const pods = await runningPods();
      return pods.length === 1 && pods[0]!.name !== first ? pods : undefined;
    });
    expect(after[0]!.env).to.deep.equal(['COLOR=blue']);
    const d = await fx.apps.readNamespacedDeployment({ name: 'web', namespace: fx.namespace });
    expect(d.status).to.include({ observedGeneration: d.metadata!.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });

    // The new pod really runs the new template, and the Service reaches it.
    const log = await runScript(fx, 'client', 'curl -sS -m 10 http://web/after-update');
    expect(JSON.parse(log)).to.include({ pod: after[0]!.name, path: '/after-update' });
  });

  it('scales up and down, and deleting the Deployment deletes its pods', async () => {
    await fx.kubectl(['apply', '-f', '-'], deployment(1));
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    expect(await fx.kubectl(['scale', 'deployment/web', '--replicas=3'])).to.equal('deployment.apps/web scaled');
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const three = await waitFor('3 ready pods', 60_000, async () => {
      const d = await fx.apps.readNamespacedDeployment({ name: 'web', namespace: fx.namespace });
      return d.status?.readyReplicas === 3 ? runningPods() : undefined;
    });
    expect(three).to.have.length(3);
    const ips = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=web' })).items.map((p) => p.status!.podIP);
    expect(new Set(ips).size).to.equal(3);
    // kube-proxy balances at random: 30 requests miss one of 3 pods with probability 3*(2/3)^30, about 1e-5.
    await fx.kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    const log = await runScript(fx, 'spread', 'for i in $(seq 30); do curl -sS -m 5 http://web/; echo; done');
    const served = new Set(log.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { pod: string }).pod));
    expect([...served].sort()).to.deep.equal(three.map((p) => p.name).sort());

    await fx.kubectl(['scale', 'deployment/web', '--replicas=1']);
    const one = await waitFor('1 pod left', 60_000, async () => {
      const pods = await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=web' });
      return pods.items.length === 1 ? pods.items : undefined;
    });
    expect(three.map((p) => p.name)).to.include(one[0]!.metadata!.name);

    expect(await fx.kubectl(['delete', 'deployment', 'web'])).to.equal('deployment.apps "web" deleted');
    await waitFor('the pods of the deleted Deployment to be gone', 60_000, async () =>
      (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=web' })).items.length === 0 ? true : undefined);
    const rs = await fx.apps.listNamespacedReplicaSet({ namespace: fx.namespace });
    expect(rs.items).to.have.length(0);
  });
});
