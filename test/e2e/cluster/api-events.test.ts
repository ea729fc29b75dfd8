// Events and waiting through the real kubectl against an API server of its own (no kubelet: pods are
// marked Ready and finished the kubelet's way): `get events` and its columns, describe with events
// (field selectors on involvedObject), repeats counted, events.k8s.io/v1, `wait` for Ready and delete.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { recorderFor } from '../../cluster/apiserver/controllers/events.js';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';

const ns = 'events';

describe('kubectl events, describe and wait', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  const k = (...args: string[]) => api.kubectl('-n', ns, ...args);
  const podOf = async (app: string) => eventually(`a pod of ${app}`, async () => (await k('get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[0].metadata.name}')).stdout || undefined);

  before(async () => {
    api = await startTestApiServer();
    expect((await api.kubectl('create', 'namespace', ns)).stdout).to.equal(`namespace/${ns} created`);
  });
  after(async () => api?.stopAll());

  it('kubectl get events lists Scheduled, SuccessfulCreate and ScalingReplicaSet with kubectl\'s columns', async () => {
    await k('create', 'deployment', 'web', '--image=telepresence-test/echo:dev', '--replicas=2');
    const pod = await podOf('web');
    const rs = (await k('get', 'rs', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    const rows = await eventually('5 events', async () => {
      const lines = (await k('get', 'events')).stdout.split('\n');
      return lines.length === 6 ? lines.map((l) => l.split(/\s{2,}/)) : undefined;
    });
    expect(rows[0]).to.deep.equal(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const body = rows.slice(1).map((r) => { expect(r[0]).to.match(/^\d+s$/); return r.slice(1).join(' | '); });
    expect(body).to.include.members([
      `Normal | Scheduled | pod/${pod} | Successfully assigned ${ns}/${pod} to tp-node`,
      `Normal | SuccessfulCreate | replicaset/${rs} | Created pod: ${pod}`,
      `Normal | ScalingReplicaSet | deployment/web | Scaled up replica set ${rs} to 2 from 0`,
    ]);
    const describe = (await k('describe', 'deployment', 'web')).stdout.split('\n').slice(-4);
    expect(describe.slice(0, 3)).to.deep.equal(['Events:', '  Type    Reason             Age   From                   Message', '  ----    ------             ----  ----                   -------']);
    expect(describe[3]).to.match(/^ {2}Normal {2}ScalingReplicaSet {2}\d+s +deployment-controller {2}Scaled up replica set \S+ to 2 from 0$/);
  });

  it('describe pod shows only that pod\'s events, repeats counted as "(xN over ...)"', async () => {
    const pod = await podOf('web');
    const obj = JSON.parse((await k('get', 'pod', pod, '-o', 'json')).stdout);
    const recorder = recorderFor(api.registry, 'kubelet');
    const ref = { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: pod, uid: obj.metadata.uid, fieldPath: 'spec.containers{echo}' };
    for (let i = 0; i < 3; i++) await recorder.record(ref, 'Warning', 'BackOff', `Back-off restarting failed container echo in pod ${pod}_${ns}(${obj.metadata.uid})`);
    const events = (await k('describe', 'pod', pod)).stdout.split('\nEvents:\n')[1].split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(events.map((e) => [e[0], e[1], e[3]])).to.deep.equal([
      ['Type', 'Reason', 'From'], ['----', '------', '----'], ['Normal', 'Scheduled', 'default-scheduler'], ['Warning', 'BackOff', 'kubelet'],
    ]);
    expect(events[3][2]).to.match(/^\d+s \(x3 over \d+s\)$/);
    expect((await k('get', 'events', '--field-selector', `involvedObject.name=${pod},reason=BackOff`, '-o', 'jsonpath={.items[*].count}')).stdout).to.equal('3');
  });

  it('serves the same events as events.k8s.io/v1, and one created there shows in describe service', async () => {
    await k('create', 'service', 'clusterip', 'web', '--tcp=80:8080');
    const uid = (await k('get', 'svc', 'web', '-o', 'jsonpath={.metadata.uid}')).stdout;
    const file = join(api.stateDir, 'event.yaml');
    writeFileSync(file, `apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: web.lb, namespace: ${ns}}\neventTime: "2026-01-01T00:00:00.000000Z"\n`
      + `reportingController: test-controller\nreportingInstance: test-1\naction: Sync\nreason: EnsuringLoadBalancer\nnote: Ensuring load balancer\ntype: Normal\n`
      + `regarding: {kind: Service, apiVersion: v1, namespace: ${ns}, name: web, uid: ${uid}}\n`);
    expect(await k('create', '-f', file)).to.include({ exitCode: 0, stdout: 'event.events.k8s.io/web.lb created' });
    writeFileSync(file, `apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: web.typo, namespace: ${ns}}\neventTime: "2026-01-01T00:00:00.000000Z"\nmessage: core's name\n`);
    expect((await k('create', '-f', file)).stderr).to.equal(`Error from server (BadRequest): error when creating "${file}": Event in version "v1" cannot be handled as a Event: strict decoding error: unknown field "message"`);
    expect((await k('get', 'events', 'web.lb', '-o', 'jsonpath={.message} {.involvedObject.kind} {.reportingComponent}')).stdout).to.equal('Ensuring load balancer Service test-controller');
    expect((await k('get', 'events.v1.events.k8s.io', '--field-selector', 'regarding.kind=Deployment', '-o', 'jsonpath={.items[*].note}')).stdout).to.match(/^Scaled up replica set \S+ to 2 from 0$/);
    const events = (await k('describe', 'service', 'web')).stdout.split('\nEvents:\n')[1].split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(events[2]).to.deep.equal(['Normal', 'EnsuringLoadBalancer', events[2][2], 'test-controller', 'Ensuring load balancer']);
  });

  it('refuses a field selector the resource does not have, as the API server does', async () => {
    const r = await k('get', 'pods', '--field-selector', 'spec.containers=x');
    expect([r.exitCode, r.stderr]).to.deep.equal([1, 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.containers=x": field label not supported: spec.containers']);
  });

  it('kubectl wait returns once the pod is Ready, and once it is deleted', async () => {
    await k('run', 'waited', '--image=telepresence-test/echo:dev');
    // Mark it Ready only once kubectl watches (its -v=6 log shows the watch request), so the watch is what ends it.
    const waiting = (args: string[]) => {
      const child = execa('kubectl', ['-n', ns, '-v=6', 'wait', ...args], { env: { KUBECONFIG: api.kubeconfigPath, HOME: api.stateDir }, reject: false });
      let log = '';
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      return { child, watching: () => eventually('kubectl wait to watch', () => /GET \S+watch=true\S* 200 OK/.test(log)) };
    };
    const ready = waiting(['--for=condition=Ready', 'pod/waited', '--timeout=20s']);
    await ready.watching();
    expect(await api.markPodsReady(ns, 'run=waited')).to.equal(1);
    expect(await ready.child).to.include({ exitCode: 0, stdout: 'pod/waited condition met' });
    expect((await k('delete', 'pod', 'waited', '--wait=false')).stdout).to.equal('pod "waited" deleted');
    const gone = waiting(['--for=delete', 'pod/waited', '--timeout=20s']);
    await gone.watching();
    expect(await api.finishTerminatingPods(ns, 'run=waited')).to.equal(1);
    expect(await gone.child).to.include({ exitCode: 0, stdout: 'pod/waited condition met' });
    const never = await k('wait', '--for=condition=Ready', `pod/${await podOf('web')}`, '--timeout=1s');
    expect([never.exitCode, never.stderr]).to.deep.equal([1, `error: timed out waiting for the condition on pods/${await podOf('web')}`]);
  });
});
