// The API server through the real kubectl: discovery, create/get/delete, selectors, scale, set env,
// rollout status, labels, the exact error texts (NotFound, out-of-range clusterIP, 401).
// Each run starts its own API server (no kubelet needed): pods are marked Ready the kubelet's way.
import https from 'node:https';
import { expect } from 'chai';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';

describe('apiserver through kubectl', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  const ns = 'e2e';

  before(async () => {
    api = await startTestApiServer();
    expect((await api.kubectl('create', 'namespace', ns)).stdout).to.equal('namespace/e2e created');
  });
  after(async () => api?.stopAll());

  const k = (...args: string[]) => api.kubectl('-n', ns, ...args);
  const activePods = async (label: string) => {
    const r = await k('get', 'pods', '-l', label, '-o', 'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}T {end}{range .items[*]}{.metadata.name} {end}');
    const all = r.stdout.split(' ').filter((s) => s && s !== 'T');
    const terminating = r.stdout.split(' ').filter((s) => s === 'T').length;
    return { all, terminating, active: all.length - terminating };
  };

  it('serves the discovery kubectl needs', async () => {
    const r = await api.kubectl('api-resources', '--no-headers');
    expect(r.exitCode).to.equal(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(rows).to.include.members([
      'pods po v1 true Pod', 'services svc v1 true Service', 'namespaces ns v1 false Namespace',
      'deployments deploy apps/v1 true Deployment', 'replicasets rs apps/v1 true ReplicaSet', 'nodes no v1 false Node',
      'configmaps cm v1 true ConfigMap', 'secrets v1 true Secret', 'serviceaccounts sa v1 true ServiceAccount', 'endpoints ep v1 true Endpoints',
    ]);
    expect((await api.kubectl('version', '-o', 'json')).stdout).to.contain('"gitVersion": "v1.32.0-tp"');
  });

  it('creates, gets and deletes namespaces, deployments, services, configmaps and secrets', async () => {
    expect((await api.kubectl('create', 'namespace', 'scratch')).stdout).to.equal('namespace/scratch created');
    expect((await api.kubectl('get', 'namespace', 'scratch', '-o', 'jsonpath={.status.phase}')).stdout).to.equal('Active');
    expect((await api.kubectl('-n', 'scratch', 'get', 'sa', 'default', '-o', 'name')).stdout).to.equal('serviceaccount/default');
    const created = [
      await k('create', 'deployment', 'crud', '--image=telepresence-test/echo:dev', '--port=8080'),
      await k('create', 'service', 'clusterip', 'crud', '--tcp=80:8080'),
      await k('create', 'configmap', 'crud', '--from-literal=greeting=hello'),
      await k('create', 'secret', 'generic', 'crud', '--from-literal=password=s3cret'),
    ].map((r) => r.stdout);
    expect(created).to.deep.equal(['deployment.apps/crud created', 'service/crud created', 'configmap/crud created', 'secret/crud created']);
    expect((await k('get', 'configmap', 'crud', '-o', 'jsonpath={.data.greeting}')).stdout).to.equal('hello');
    expect((await k('get', 'secret', 'crud', '-o', 'jsonpath={.data.password}')).stdout).to.equal(Buffer.from('s3cret').toString('base64'));
    expect((await k('get', 'deployment', 'crud', '-o', 'jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}')).stdout).to.equal('8080');
    const again = await k('create', 'configmap', 'crud');
    expect(again.stderr).to.equal('error: failed to create configmap: configmaps "crud" already exists');
    const deleted = [
      await k('delete', 'deployment', 'crud'), await k('delete', 'service', 'crud'),
      await k('delete', 'configmap', 'crud'), await k('delete', 'secret', 'crud'),
    ].map((r) => r.stdout);
    expect(deleted).to.deep.equal(['deployment.apps "crud" deleted', 'service "crud" deleted', 'configmap "crud" deleted', 'secret "crud" deleted']);
    expect((await k('get', 'configmap', 'crud')).stderr).to.equal('Error from server (NotFound): configmaps "crud" not found');
    expect((await api.kubectl('delete', 'namespace', 'scratch', '--wait=false')).stdout).to.equal('namespace "scratch" deleted');
    await eventually('namespace scratch to go', async () => (await api.kubectl('get', 'ns', 'scratch')).exitCode !== 0);
  });

  it('prints the NotFound error kubectl users know', async () => {
    const r = await k('get', 'pod', 'x');
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal('Error from server (NotFound): pods "x" not found');
  });

  it('selects pods by label', async () => {
    await k('create', 'deployment', 'sel-a', '--image=telepresence-test/echo:dev', '--replicas=2');
    await k('create', 'deployment', 'sel-b', '--image=telepresence-test/echo:dev');
    await eventually('pods of sel-a and sel-b', async () => (await activePods('app in (sel-a,sel-b)')).active === 3);
    const a = await k('get', 'pods', '-l', 'app=sel-a', '-o', 'name');
    expect(a.stdout.split('\n')).to.have.length(2);
    for (const line of a.stdout.split('\n')) expect(line).to.match(/^pod\/sel-a-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect((await k('get', 'pods', '-l', 'app!=sel-a,app in (sel-a,sel-b)', '-o', 'name')).stdout).to.match(/^pod\/sel-b-\S+$/);
    const table = await k('get', 'pods', '-l', 'app=sel-b');
    expect(table.stdout.split('\n')[0].split(/\s+/)).to.deep.equal(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(table.stdout.split('\n')[1]).to.match(/^sel-b-\S+\s+0\/1\s+Pending\s+0\s+\d+s$/);
    await api.markPodsReady(ns, 'app=sel-b');
    expect((await k('get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name')).stdout).to.match(/^pod\/sel-b-\S+$/);
    expect((await k('get', 'pods', '--field-selector', 'spec.nodeName=tp-node', '-l', 'app=sel-b', '-o', 'name')).stdout).to.match(/^pod\/sel-b-\S+$/);
  });

  it('scales a deployment up to 3 pods and back to 1', async () => {
    await k('create', 'deployment', 'scaly', '--image=telepresence-test/echo:dev');
    await eventually('1 pod', async () => (await activePods('app=scaly')).active === 1);
    expect((await k('scale', 'deployment', 'scaly', '--replicas=3')).stdout).to.equal('deployment.apps/scaly scaled');
    await eventually('3 pods', async () => (await activePods('app=scaly')).active === 3);
    await api.markPodsReady(ns, 'app=scaly');
    await eventually('3 ready replicas', async () => (await k('get', 'deploy', 'scaly', '-o', 'jsonpath={.status.readyReplicas}')).stdout === '3');
    expect((await k('get', 'deploy', 'scaly')).stdout.split('\n')[1]).to.match(/^scaly\s+3\/3\s+3\s+3\s+\d+s$/);
    expect((await k('scale', 'deployment', 'scaly', '--replicas=1')).stdout).to.equal('deployment.apps/scaly scaled');
    await eventually('2 pods terminating', async () => {
      const p = await activePods('app=scaly');
      return p.active === 1 && p.terminating === 2;
    });
    expect(await api.finishTerminatingPods(ns, 'app=scaly')).to.equal(2);
    await eventually('1 pod left', async () => (await activePods('app=scaly')).all.length === 1);
  });

  it('replaces the pod template on set env (a new ReplicaSet) and rollout status finishes', async () => {
    await k('create', 'deployment', 'envy', '--image=telepresence-test/echo:dev');
    await eventually('1 pod', async () => (await activePods('app=envy')).active === 1);
    await api.markPodsReady(ns, 'app=envy');
    expect((await k('rollout', 'status', 'deployment/envy', '--timeout=20s')).stdout).to.equal('deployment "envy" successfully rolled out');
    const oldRs = (await k('get', 'rs', '-l', 'app=envy', '-o', 'name')).stdout;
    expect((await k('set', 'env', 'deployment/envy', 'FOO=bar')).stdout).to.equal('deployment.apps/envy env updated');
    await eventually('2 ReplicaSets', async () => (await k('get', 'rs', '-l', 'app=envy', '-o', 'name')).stdout.split('\n').length === 2);
    const newRs = (await k('get', 'rs', '-l', 'app=envy', '-o', 'name')).stdout.split('\n').find((n) => n !== oldRs) as string;
    expect((await k('get', newRs, '-o', 'jsonpath={.spec.template.spec.containers[0].env[0].value} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).stdout).to.equal('bar 2');
    const status = k('rollout', 'status', 'deployment/envy', '--timeout=30s');
    await eventually('the new pod', async () => (await k('get', 'pods', '-l', `pod-template-hash=${newRs.split('-').pop()}`, '-o', 'name')).stdout !== '');
    await api.markPodsReady(ns, 'app=envy');
    const done = await status;
    expect(done.stdout.split('\n').pop()).to.equal('deployment "envy" successfully rolled out');
    expect((await k('get', oldRs, '-o', 'jsonpath={.spec.replicas}')).stdout).to.equal('0');
    await api.finishTerminatingPods(ns, 'app=envy');
    const pods = (await k('get', 'pods', '-l', 'app=envy', '-o', 'jsonpath={.items[*].spec.containers[0].env[0].value}')).stdout;
    expect(pods).to.equal('bar');
  });

  it('shows the clusterIP in kubectl get svc and refuses an out-of-range one with the API server\'s text', async () => {
    await k('create', 'service', 'clusterip', 'ips', '--tcp=80:8080');
    const ip = (await k('get', 'svc', 'ips', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    expect(ip).to.match(/^10\.130\.\d+\.\d+$/);
    const row = (await k('get', 'svc', 'ips')).stdout.split('\n');
    expect(row[0].split(/\s+/)).to.deep.equal(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(row[1]).to.match(new RegExp(`^ips\\s+ClusterIP\\s+${ip.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP\\s+\\d+s$`));
    expect((await api.kubectl('-n', 'default', 'get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).stdout).to.equal('10.130.0.1');
    expect((await api.kubectl('-n', 'kube-system', 'get', 'svc', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[*].name} {.spec.ports[*].protocol}')).stdout)
      .to.equal('10.130.0.10 dns dns-tcp UDP TCP');
    const bad = await k('create', 'service', 'clusterip', 'bad', '--tcp=80:80', '--clusterip=10.0.0.5');
    expect(bad.stderr).to.equal('error: failed to create ClusterIP service: Service "bad" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.130.0.0/16');
  });

  it('labels objects (kubectl label)', async () => {
    await k('create', 'configmap', 'labelled');
    expect((await k('label', 'configmap', 'labelled', 'tier=front')).stdout).to.equal('configmap/labelled labeled');
    expect((await k('get', 'cm', '-l', 'tier=front', '-o', 'name')).stdout).to.equal('configmap/labelled');
    expect((await k('label', 'configmap', 'labelled', 'tier-')).stdout).to.equal('configmap/labelled unlabeled');
    expect((await k('get', 'cm', '-l', 'tier', '-o', 'name')).stdout).to.equal('');
    expect((await k('annotate', 'configmap', 'labelled', 'note=x')).stdout).to.equal('configmap/labelled annotated');
  });

  it('deletes a deployment\'s ReplicaSets and pods with it', async () => {
    await k('create', 'deployment', 'goner', '--image=telepresence-test/echo:dev', '--replicas=2');
    await eventually('2 pods', async () => (await activePods('app=goner')).active === 2);
    await k('delete', 'deployment', 'goner');
    await eventually('no ReplicaSet', async () => (await k('get', 'rs', '-l', 'app=goner', '-o', 'name')).stdout === '');
    await eventually('pods terminating', async () => (await activePods('app=goner')).active === 0);
    await api.finishTerminatingPods(ns, 'app=goner');
    expect((await k('get', 'pods', '-l', 'app=goner', '-o', 'name')).stdout).to.equal('');
  });

  it('answers 401 with a Status body without the token', async () => {
    const { code, body } = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: api.port, path: '/api/v1/namespaces', ca: api.caCert }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(code).to.equal(401);
    expect(JSON.parse(body)).to.deep.equal({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    expect((await api.kubectl('--token=wrong', 'get', 'pods')).stderr).to.equal('error: You must be logged in to the server (Unauthorized)');
  });

  it('serves the same API on DIR/apiserver.sock (contract 2)', async () => {
    const version = await new Promise<string>((resolve, reject) => {
      https.get({ socketPath: api.socketPath, path: '/version', servername: 'localhost', ca: api.caCert, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(`${res.statusCode} ${JSON.parse(body).gitVersion}`));
      }).on('error', reject);
    });
    expect(version).to.equal('200 v1.32.0-tp');
    expect(api.socketPath).to.equal(`${api.stateDir}/apiserver.sock`);
  });
});
