// pods/log through kubectl: the API server reads `docker logs` of the container named by contract 6
// (tp_<namespace>_<pod>_<container>). The container is started here by hand, without the
// tp-cluster label, so a running kubelet leaves it alone. The image comes from `cluster up`.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { execa } from 'execa';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';
import { ensureCluster } from '../helpers/cluster.js';

describe('apiserver pods/log through kubectl', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  const ns = `logs-${randomBytes(3).toString('hex')}`;
  const container = `tp_${ns}_talker_talker`; // kubectl run names the container after the pod

  before(async function () {
    this.timeout(300_000);
    await ensureCluster(); // builds telepresence-test/base:dev when missing
    api = await startTestApiServer();
    await api.kubectl('create', 'namespace', ns);
    await api.kubectl('-n', ns, 'run', 'talker', '--image=telepresence-test/base:dev', '--image-pull-policy=Never');
  });
  after(async () => {
    await execa('docker', ['rm', '-f', container], { reject: false });
    await api?.stopAll();
  });

  it('says the container is waiting before it runs', async () => {
    const r = await api.kubectl('-n', ns, 'logs', 'talker');
    expect(r.stderr).to.equal('Error from server (BadRequest): container "talker" in pod "talker" is waiting to start: ContainerCreating');
  });

  it('prints, tails and follows the container\'s output', async () => {
    await execa('docker', ['run', '-d', '--name', container, '--network', 'none', 'telepresence-test/base:dev', 'sh', '-c', 'echo one; echo two; sleep 60']);
    await api.markPodsReady(ns);
    const all = await eventually('both lines', async () => {
      const r = await api.kubectl('-n', ns, 'logs', 'talker');
      return r.stdout === 'one\ntwo' ? r.stdout : undefined;
    });
    expect(all).to.equal('one\ntwo');
    expect((await api.kubectl('-n', ns, 'logs', 'talker', '--tail=1')).stdout).to.equal('two');
    expect((await api.kubectl('-n', ns, 'logs', 'talker', '-c', 'nope')).stderr).to.equal('error: container nope is not valid for pod talker');
    const follow = execa('kubectl', ['-n', ns, 'logs', '-f', 'talker'], { env: { KUBECONFIG: api.kubeconfigPath, HOME: api.stateDir }, reject: false });
    let out = '';
    follow.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('followed output', () => out === 'one\ntwo\n');
    expect(follow.exitCode).to.equal(null); // still following
    follow.kill();
  });
});
