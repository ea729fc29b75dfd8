// The kubelet's event texts per situation (what `kubectl describe pod` shows), written as core/v1
// Events about the container (fieldPath spec.containers{NAME}) by component kubelet on tp-node.
import { expect } from 'chai';
import type { KubeClient } from '../../../cluster/node/kube-client.js';
import { PodEvents } from '../../../cluster/node/pod-events.js';
import type { Container, Pod } from '../../../cluster/node/pod-types.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '7' },
  spec: { containers: [{ name: 'main', image: 'reg.example/app:1' }], initContainers: [{ name: 'init', image: 'tools:dev' }] } } as unknown as Pod;
const main = (pod.spec as { containers: Container[] }).containers[0];

function recording() {
  const posted: Record<string, unknown>[] = [];
  const client = { request: async (method: string, path: string, body: Record<string, unknown>) => {
    if (method !== 'POST' || path !== '/api/v1/namespaces/ns/events') throw new Error(`unexpected ${method} ${path}`);
    posted.push(body);
    return body;
  } } as unknown as KubeClient;
  const events = new PodEvents(client, 'tp-node', () => {});
  const texts = async () => {
    await new Promise((r) => setImmediate(r));
    return posted.map((e) => `${e.type} ${e.reason}: ${e.message}`);
  };
  return { events, posted, texts };
}

describe('kubelet events', () => {
  const cases: [string, (e: PodEvents) => void, string[]][] = [
    ['image present', (e) => e.pulled(pod, main), ['Normal Pulled: Container image "reg.example/app:1" already present on machine']],
    ['ErrImageNeverPull', (e) => e.imageNotReady(pod, main, 'ErrImageNeverPull', 'Container image "reg.example/app:1" is not present with pull policy of Never'), [
      'Warning ErrImageNeverPull: Container image "reg.example/app:1" is not present with pull policy of Never', 'Warning Failed: Error: ErrImageNeverPull']],
    ['a pull that fails', (e) => e.imageNotReady(pod, main, 'ErrImagePull', 'rpc error: code = Unknown desc = no such host'), [
      'Normal Pulling: Pulling image "reg.example/app:1"', 'Warning Failed: Failed to pull image "reg.example/app:1": rpc error: code = Unknown desc = no such host',
      'Warning Failed: Error: ErrImagePull']],
    ['pull back-off', (e) => e.imageNotReady(pod, main, 'ImagePullBackOff', 'Back-off pulling image "reg.example/app:1"'), [
      'Normal BackOff: Back-off pulling image "reg.example/app:1"', 'Warning Failed: Error: ImagePullBackOff']],
    ['run', (e) => e.createdAndStarted(pod, main), ['Normal Created: Created container: main', 'Normal Started: Started container main']],
    ['a config error', (e) => e.failed(pod, main, 'configmap "cfg" not found'), ['Warning Failed: Error: configmap "cfg" not found']],
    ['crash loop', (e) => e.backOff(pod, main), ['Warning BackOff: Back-off restarting failed container main in pod web_ns(u1)']],
    ['delete', (e) => e.killing(pod, main), ['Normal Killing: Stopping container main']],
    ['sandbox gone', (e) => e.sandboxChanged(pod), ['Normal SandboxChanged: Pod sandbox changed, it will be killed and re-created.']],
  ];
  for (const [what, act, want] of cases) {
    it(what, async () => {
      const r = recording();
      act(r.events);
      expect(await r.texts()).to.deep.equal(want);
    });
  }

  it('refers to the container and names the kubelet on its node', async () => {
    const r = recording();
    r.events.createdAndStarted(pod, { name: 'init', image: 'tools:dev' });
    await r.texts();
    expect(r.posted[0]).to.deep.include({
      involvedObject: { kind: 'Pod', namespace: 'ns', name: 'web', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.initContainers{init}' },
      source: { component: 'kubelet', host: 'tp-node' }, reportingComponent: 'kubelet', reportingInstance: 'tp-node', count: 1,
    });
  });
});
