// replaceable(): a proxy pod followed to its successor against an API server of its own (no kubelet: the test
// marks pods Ready and finishes deletions as the kubelet would): null while the pod runs; a deleted pod waits
// for the Deployment's new Ready pod (one progress line), prepared by the operation's hook; a Deployment that
// is gone ends the attempt at once with its line, or is made again by recreate(); the deadline's line.
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';

import { ClusterError } from '../../../src/errors.js';
import type { ProxyPod, SuccessorWait } from '../../../src/kube/operations/operation.js';
import { replaceable } from '../../../src/kube/operations/successor.js';
import { eventually, failure, startTestApiServerWithNamespace, type TestApiServer } from '../../cluster/apiserver/testing.js';

const NS = 'successor-ns';

function deployment(name: string): string {
  return JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'telepresence', image: 'proxy:test' }] } } } });
}

describe('kube/operations/successor (in-process API server)', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let target: Parameters<typeof replaceable>[0];

  const podNames = async (app: string) => (await api.kubectl('-n', NS, 'get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}')).stdout.split(' ').filter(Boolean);
  /** The Deployment's one pod, Ready. */
  async function readyPod(app: string, not?: string): Promise<string> {
    const name = await eventually(`a pod of ${app}`, async () => (await podNames(app)).find((n) => n !== not));
    await api.markPodsReady(NS, `app=${app}`);
    return name;
  }
  function follow(app: string, podName: string, prepared: string[], recreate?: () => Promise<void>): ProxyPod {
    return replaceable(target, { podName, podIp: '10.132.0.1', hostKey: `key of ${podName}`, sshUser: 'telepresence' }, {
      deployment: app, labelSelector: `app=${app}`, recreate,
      prepare: async (pod: V1Pod) => {
        prepared.push(pod.metadata!.name!);
        return { podName: pod.metadata!.name!, podIp: pod.status!.podIP!, hostKey: `key of ${pod.metadata!.name}`, sshUser: 'telepresence' };
      },
    });
  }
  const waiting = (lines: string[], ms: number): SuccessorWait => ({ deadline: Date.now() + ms, progress: (l) => lines.push(l), log: () => undefined });

  before(async () => {
    const started = await startTestApiServerWithNamespace(NS);
    api = started.api;
    const { kubeConfig } = started;
    target = { kubeConfig, namespace: NS };
  });
  after(async () => api?.stopAll());

  it('a running pod has no successor; deleted, the new Ready pod is prepared and followed in turn (one line per gone pod)', async () => {
    const applied = await apply(api, deployment('px'));
    expect(applied, 'apply').to.equal(0);
    const first = await readyPod('px');
    const prepared: string[] = [];
    const lines: string[] = [];
    const pod = follow('px', first, prepared);
    expect(await pod.successor!(waiting(lines, 2000))).to.equal(null);
    expect((await api.kubectl('-n', NS, 'delete', 'pod', first, '--wait=false')).exitCode).to.equal(0);
    const found = pod.successor!(waiting(lines, 20_000));
    // Terminating, its replacement not Ready yet: still waiting.
    const second = await eventually('the replacement pod', async () => (await podNames('px')).find((n) => n !== first));
    await new Promise((r) => setTimeout(r, 500));
    expect(prepared).to.deep.equal([]);
    await api.markPodsReady(NS, 'app=px');
    const next = await found;
    expect(next?.podName).to.equal(second);
    expect(next?.hostKey).to.equal(`key of ${second}`);
    expect(prepared).to.deep.equal([second]);
    expect(lines).to.deep.equal([`The proxy pod ${first} is gone (being deleted); waiting for a new pod of Deployment px...`]);
    // The successor's own successor: null while it runs.
    expect(await next!.successor!(waiting(lines, 2000))).to.equal(null);
    await api.finishTerminatingPods(NS, 'app=px');
    expect(await pod.successor!(waiting(lines, 5000)).then((p) => p?.podName)).to.equal(second);
    expect(lines, 'the gone pod is announced once').to.have.length(1);
  });

  it('the Deployment is gone too: at once, one line and the error; with recreate() it is made again and its pod followed', async () => {
    expect(await apply(api, deployment('gone'))).to.equal(0);
    const first = await readyPod('gone');
    expect((await api.kubectl('-n', NS, 'delete', 'deployment', 'gone', '--wait=false')).exitCode).to.equal(0);
    await eventually('the pod to be deleted', async () => !(await podNames('gone')).includes(first) || (await api.finishTerminatingPods(NS, 'app=gone')) > 0);
    const lines: string[] = [];
    const t0 = Date.now();
    const err = await failure(follow('gone', first, []).successor!(waiting(lines, 20_000)));
    expect(Date.now() - t0).to.be.below(2000);
    expect(err).to.be.instanceOf(ClusterError);
    expect(err.message).to.match(new RegExp(`^the proxy pod ${first} is gone \\((deleted|being deleted)\\) and so is Deployment gone in namespace ${NS}: nothing will replace it$`));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^The proxy pod ${first} is gone \\((deleted|being deleted)\\), and so is its Deployment gone: nothing will replace it$`));

    let recreated = 0;
    const again = follow('gone', first, [], async () => { recreated++; expect(await apply(api, deployment('gone'))).to.equal(0); });
    const found = again.successor!(waiting(lines, 20_000));
    const second = await readyPod('gone', first);
    expect((await found)?.podName).to.equal(second);
    expect(recreated).to.equal(1);
  });

  it('no Ready pod by the deadline: the line names the Deployment, the gone pod and what its newest pod does', async () => {
    expect(await apply(api, deployment('slow'))).to.equal(0);
    const first = await readyPod('slow');
    expect((await api.kubectl('-n', NS, 'delete', 'pod', first, '--grace-period=0', '--force', '--wait=false')).exitCode).to.equal(0);
    const second = await eventually('the replacement pod', async () => (await podNames('slow')).find((n) => n !== first));
    const err = await failure(follow('slow', first, []).successor!(waiting([], 1000)));
    expect(err.message).to.equal(`no pod of Deployment slow was ready in place of the proxy pod ${first} in time (pod ${second}: phase Pending; no container status yet)`);
  });
});

async function apply(api: TestApiServer, manifest: string): Promise<number> {
  const r = await execa('kubectl', ['-n', NS, 'apply', '-f', '-'], { input: manifest, env: { KUBECONFIG: api.kubeconfigPath }, reject: false });
  return r.exitCode ?? -1;
}
