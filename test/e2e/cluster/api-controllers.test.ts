// The API server's controllers seen through kubectl: Endpoints from ready and not-ready pods with
// named target ports, namespace deletion, `kubectl get -w` and `kubectl wait`, Recreate rollouts.
import https from 'node:https';
import { expect } from 'chai';
import { execa } from 'execa';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';

describe('apiserver controllers through kubectl', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  const ns = 'ctl';

  before(async () => {
    api = await startTestApiServer();
    await api.kubectl('create', 'namespace', ns);
  });
  after(async () => api?.stopAll());

  const k = (...args: string[]) => api.kubectl('-n', ns, ...args);
  const apply = async (manifest: object) => {
    const r = await execa('kubectl', ['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(manifest), env: { KUBECONFIG: api.kubeconfigPath, HOME: api.stateDir }, reject: false });
    expect(r.stderr).to.equal('');
    return String(r.stdout);
  };

  it('keeps Endpoints: ready pods under addresses, others under notReadyAddresses, named ports resolved', async () => {
    expect(await apply({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ep' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'ep' } }, template: { metadata: { labels: { app: 'ep' } }, spec: {
        containers: [{ name: 'echo', image: 'telepresence-test/echo:dev', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    })).to.equal('deployment.apps/ep created');
    expect(await apply({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'ep' },
      spec: { selector: { app: 'ep' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    })).to.equal('service/ep created');
    await eventually('2 pods', async () => (await k('get', 'pods', '-l', 'app=ep', '-o', 'name')).stdout.split('\n').filter(Boolean).length === 2);
    expect((await k('get', 'endpoints', 'ep', '-o', 'jsonpath={.subsets}')).stdout).to.equal('');
    const [first, second] = (await k('get', 'pods', '-l', 'app=ep', '-o', 'name')).stdout.split('\n');
    await k('patch', first, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: '10.132.0.21', conditions: [{ type: 'Ready', status: 'True' }] } }));
    await k('patch', second, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: '10.132.0.22', conditions: [{ type: 'Ready', status: 'False' }] } }));
    const subsets = await eventually('endpoints', async () => {
      const s = (await k('get', 'endpoints', 'ep', '-o', 'jsonpath={.subsets}')).stdout;
      return s.includes('10.132.0.22') && s.includes('10.132.0.21') ? JSON.parse(s) : undefined;
    });
    expect(subsets).to.have.length(1);
    expect(subsets[0].addresses.map((a: { ip: string; targetRef: { name: string } }) => `${a.ip} pod/${a.targetRef.name}`)).to.deep.equal([`10.132.0.21 ${first}`]);
    expect(subsets[0].notReadyAddresses.map((a: { ip: string }) => a.ip)).to.deep.equal(['10.132.0.22']);
    expect(subsets[0].ports).to.deep.equal([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect((await k('get', 'ep', 'ep')).stdout.split('\n')[1]).to.match(/^ep\s+10\.132\.0\.21:8080\s+\d+s$/);
  });

  it('deletes everything in a namespace, then the namespace', async () => {
    await api.kubectl('create', 'namespace', 'doomed');
    await api.kubectl('-n', 'doomed', 'create', 'configmap', 'c');
    await api.kubectl('-n', 'doomed', 'create', 'deployment', 'd', '--image=telepresence-test/echo:dev');
    await eventually('a pod', async () => (await api.kubectl('-n', 'doomed', 'get', 'pods', '-o', 'name')).stdout !== '');
    await api.markPodsReady('doomed');
    expect((await api.kubectl('delete', 'namespace', 'doomed', '--wait=false')).stdout).to.equal('namespace "doomed" deleted');
    expect((await api.kubectl('get', 'namespace', 'doomed', '-o', 'jsonpath={.status.phase}')).stdout).to.equal('Terminating');
    const forbidden = await api.kubectl('-n', 'doomed', 'create', 'configmap', 'late');
    expect(forbidden.stderr).to.equal('error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    await eventually('pods terminating', async () => (await api.kubectl('-n', 'doomed', 'get', 'cm', '-o', 'name')).stdout === '');
    await api.finishTerminatingPods('doomed');
    await eventually('the namespace gone', async () => (await api.kubectl('get', 'namespace', 'doomed')).stderr === 'Error from server (NotFound): namespaces "doomed" not found');
  });

  it('streams changes to kubectl get -w and lets kubectl wait finish', async () => {
    await k('create', 'deployment', 'watched', '--image=telepresence-test/echo:dev');
    const pod = await eventually('the pod', async () => (await k('get', 'pods', '-l', 'app=watched', '-o', 'name')).stdout || undefined);
    const watch = execa('kubectl', ['-n', ns, 'get', pod, '-w', '--no-headers'], { env: { KUBECONFIG: api.kubeconfigPath, HOME: api.stateDir }, reject: false });
    const wait = k('wait', '--for=condition=Ready', pod, '--timeout=20s');
    let text = '';
    const lines: string[] = [];
    watch.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const complete = text.split('\n');
      text = complete.pop() ?? '';
      lines.push(...complete.filter(Boolean));
    });
    await eventually('the first row', () => lines.length >= 1);
    await api.markPodsReady(ns, 'app=watched');
    await eventually('the Running row', () => lines.some((l) => /\s1\/1\s+Running\s/.test(l)));
    watch.kill();
    expect(lines[0]).to.match(new RegExp(`^${pod.slice(4)}\\s+0/1\\s+Pending\\s+0\\s+\\d+s$`));
    expect((await wait).stdout).to.equal(`${pod} condition met`);
  });

  it('rolls out a Recreate deployment: old pods go before new ones come', async () => {
    await apply({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rec' },
      spec: { replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'rec' } }, template: { metadata: { labels: { app: 'rec' } }, spec: {
        containers: [{ name: 'echo', image: 'telepresence-test/echo:dev' }] } } },
    });
    await eventually('the pod', async () => (await k('get', 'pods', '-l', 'app=rec', '-o', 'name')).stdout !== '');
    await api.markPodsReady(ns, 'app=rec');
    await k('set', 'image', 'deployment/rec', 'echo=telepresence-test/echo:v2');
    await eventually('the old pod terminating', async () => (await k('get', 'pods', '-l', 'app=rec', '-o', 'jsonpath={.items[*].metadata.deletionTimestamp}')).stdout !== '');
    expect((await k('get', 'pods', '-l', 'app=rec', '-o', 'name')).stdout.split('\n')).to.have.length(1);
    await api.finishTerminatingPods(ns, 'app=rec');
    const image = await eventually('the new pod', async () => (await k('get', 'pods', '-l', 'app=rec', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).stdout || undefined);
    expect(image).to.equal('telepresence-test/echo:v2');
    await api.markPodsReady(ns, 'app=rec');
    expect((await k('rollout', 'status', 'deployment/rec', '--timeout=20s')).stdout.split('\n').pop()).to.equal('deployment "rec" successfully rolled out');
  });

  it('removes a pod left terminating 10 s past its grace period (contract 4)', async function () {
    this.timeout(30_000);
    await k('run', 'stuck', '--image=telepresence-test/echo:dev');
    const started = Date.now();
    expect((await k('delete', 'pod', 'stuck', '--grace-period=1', '--wait=false')).stdout).to.equal('pod "stuck" deleted');
    expect((await k('get', 'pod', 'stuck', '-o', 'jsonpath={.metadata.deletionGracePeriodSeconds}')).stdout).to.equal('1');
    await eventually('the pod gone', async () => (await k('get', 'pod', 'stuck')).exitCode === 1, 20_000);
    const took = Date.now() - started;
    expect(took).to.be.within(10_000, 14_000);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['c1', 'c2', 'c3']) await k('create', 'configmap', name);
    await k('label', 'configmap', 'c1', 'c2', 'group=x');
    const r = await new Promise<number>((resolve, reject) => {
      const req = https.request({ method: 'DELETE', host: '127.0.0.1', port: api.port, path: `/api/v1/namespaces/${ns}/configmaps?labelSelector=group%3Dx`,
        ca: api.caCert, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(r).to.equal(200);
    expect((await k('get', 'configmap', '-o', 'name')).stdout.split('\n').filter((n) => /configmap\/c\d/.test(n)))
      .to.deep.equal(['configmap/c3']);
  });

  it('records the events kubectl describe shows', async () => {
    await k('create', 'deployment', 'evented', '--image=telepresence-test/echo:dev', '--replicas=2');
    const pod = await eventually('a pod', async () => (await k('get', 'pods', '-l', 'app=evented', '-o', 'jsonpath={.items[0].metadata.name}')).stdout || undefined);
    const messages = async (name: string) => (await k('get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}')).stdout;
    const rs = (await k('get', 'rs', '-l', 'app=evented', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    expect(await messages('evented')).to.equal(`ScalingReplicaSet: Scaled up replica set ${rs} to 2 from 0`);
    expect(await messages(pod)).to.equal(`Scheduled: Successfully assigned ${ns}/${pod} to tp-node`);
    expect((await messages(rs)).split('\n').sort()).to.deep.equal((await k('get', 'pods', '-l', 'app=evented', '-o', 'name')).stdout.split('\n')
      .map((p) => `SuccessfulCreate: Created pod: ${p.slice(4)}`).sort());
  });

  it('answers a watch from a lost resourceVersion with 410 Expired, and one from the future with ResourceVersionTooLarge', async () => {
    const firstEvent = (rv: string) => new Promise<{ type: string; object: { code: number; reason: string; message: string } }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: api.port, path: `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}`, ca: api.caCert,
        headers: { authorization: `Bearer ${api.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text.split('\n')[0])));
      }).on('error', reject);
    });
    const old = await firstEvent('1');
    expect([old.type, old.object.code, old.object.reason]).to.deep.equal(['ERROR', 410, 'Expired']);
    expect(old.object.message).to.match(/^too old resource version: 1 \(\d{13,}\)$/);
    const ahead = api.registry.store.currentRv() + 1_000_000;
    const future = await firstEvent(String(ahead));
    expect([future.type, future.object.code, future.object.reason]).to.deep.equal(['ERROR', 504, 'Timeout']);
    expect(future.object.message).to.match(new RegExp(`^Too large resource version: ${ahead}, current: \\d+$`));
  });

  it('rolls 3 replicas over one surge pod at a time, and rollout status follows', async () => {
    await k('create', 'deployment', 'roll', '--image=telepresence-test/echo:dev', '--replicas=3');
    await eventually('3 pods', async () => (await k('get', 'pods', '-l', 'app=roll', '-o', 'name')).stdout.split('\n').filter(Boolean).length === 3);
    await api.markPodsReady(ns, 'app=roll');
    expect((await k('rollout', 'status', 'deployment/roll', '--timeout=20s')).exitCode).to.equal(0);
    await k('set', 'image', 'deployment/roll', 'echo=telepresence-test/echo:v2');
    const status = k('rollout', 'status', 'deployment/roll', '--timeout=40s');
    let most = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const images = (await k('get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image}{" "}{.metadata.deletionTimestamp}{"\\n"}{end}')).stdout
        .split('\n').filter(Boolean).map((l) => l.trim());
      const active = images.filter((l) => !l.includes(' '));
      most = Math.max(most, active.length);
      if (active.length === 3 && active.every((l) => l.endsWith(':v2')) && images.length === 3) break;
      if (Date.now() > deadline) throw new Error(`rollout stuck: ${images.join(', ')}`);
      await api.markPodsReady(ns, 'app=roll');
      await api.finishTerminatingPods(ns, 'app=roll');
      await new Promise((r) => setTimeout(r, 100));
    }
    const done = await status;
    expect(done.stdout.split('\n').pop()).to.equal('deployment "roll" successfully rolled out');
    expect(done.stdout).to.contain('Waiting for deployment "roll" rollout to finish: 1 out of 3 new replicas have been updated...');
    expect(most).to.equal(4); // replicas + maxSurge (25% of 3, rounded up)
  });
});
