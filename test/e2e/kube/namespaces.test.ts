// watchNamespaces against the local cluster: the list at start, namespaces created and deleted later,
// a watch cut in the middle (re-listed, never fatal), and a service account that may not list (403).
import { expect } from 'chai';
import crypto from 'node:crypto';

import { resolveClusterTarget, watchNamespaces, type NamespaceWatch } from '../../../src/kube/index.js';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { cuttableRelay } from '../../helpers/relay.js';
import { editedKubeconfig, targetOf } from './fixtures.js';

describe('kube/namespaces (e2e)', function () {
  this.timeout(120_000);
  const fx = useCluster();
  let watch: NamespaceWatch | undefined;
  const created: string[] = [];
  const fresh = () => {
    const name = `tp-e2e-ns-${crypto.randomBytes(3).toString('hex')}`;
    created.push(name);
    return name;
  };

  afterEach(async () => {
    watch?.stop();
    watch = undefined;
    for (const name of created.splice(0)) await fx.kubectlResult(['delete', 'namespace', name, '--wait=false']);
  });

  it('lists the namespaces at start, then follows one created and deleted (across server-ended watches)', async () => {
    const target = await targetOf(fx);
    const changes: string[][] = [];
    const log: string[] = [];
    watch = await watchNamespaces(target, (names) => changes.push([...names]), { log: (l) => log.push(l), watchTimeoutSeconds: 1 });
    expect(watch.names).to.include.members([fx.namespace, 'default', 'kube-system', 'kube-public']);
    expect(watch.names).to.deep.equal([...watch.names].sort());
    // Past at least one server-side end of the watch: the next one goes on from its resourceVersion.
    await new Promise((r) => setTimeout(r, 1500));
    const name = fresh();
    await fx.kubectl(['create', 'namespace', name]);
    await waitFor(`${name} in a change`, 20_000, async () => (changes.at(-1)?.includes(name) ? true : undefined));
    await fx.kubectl(['delete', 'namespace', name]);
    await waitFor(`${name} gone from a change`, 60_000, async () => (changes.at(-1)?.includes(name) === false ? true : undefined));
    expect(changes.at(-1)).to.include.members([fx.namespace, 'default', 'kube-system']);
    expect(log).to.deep.equal([]);
  });

  it('a cut watch is logged, listed again until the API answers, and catches up with what changed meanwhile', async () => {
    const apiPort = Number(new URL((await targetOf(fx)).server).port);
    const relay = await cuttableRelay(apiPort);
    try {
      const kubeconfig = editedKubeconfig(fx.kubeconfig, (doc) => { for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${relay.port}`; });
      const target = await resolveClusterTarget({ kubeconfig, namespace: fx.namespace });
      const changes: string[][] = [];
      const log: string[] = [];
      watch = await watchNamespaces(target, (names) => changes.push([...names]), { log: (l) => log.push(l), retryDelayMs: 200, maxRetryDelayMs: 400 });
      expect(watch.names).to.include(fx.namespace);
      await relay.cut();
      const name = fresh();
      await fx.kubectl(['create', 'namespace', name]);
      await waitFor('a failed list while the API is cut', 20_000, async () => (log.some((l) => l.startsWith('namespaces: cannot list them: ')) ? true : undefined));
      expect(log[0]).to.match(/^namespaces: the watch broke: .+; listing them again in 0\.2 s$/);
      expect(changes).to.deep.equal([]);
      await relay.restore();
      await waitFor(`${name} after the relay is back`, 20_000, async () => (changes.at(-1)?.includes(name) ? true : undefined));
      expect(changes.at(-1)).to.include(fx.namespace);
    } finally {
      watch?.stop();
      await relay.close();
    }
  });
});

describe('kube/namespaces with a service account that may not list them (in-process API server)', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => api?.stopAll());

  it('falls back to its namespace, default and kube-system with one log line', async () => {
    expect((await api.kubectl('create', 'namespace', 'team-a')).exitCode).to.equal(0);
    await eventually('ServiceAccount default in team-a', async () => (await api.kubectl('-n', 'team-a', 'get', 'serviceaccount', 'default')).exitCode === 0);
    const token = (await api.kubectl('-n', 'team-a', 'create', 'token', 'default')).stdout.trim();
    const kubeconfig = editedKubeconfig(api.kubeconfigPath, (doc) => {
      (doc as unknown as { users: { user: { token: string } }[] }).users[0].user.token = token;
    });
    // What kubectl with that token meets, too.
    const kubectlAsSa = await api.kubectl('--kubeconfig', kubeconfig, 'get', 'namespaces');
    expect(kubectlAsSa.stderr.trim()).to.equal('Error from server (Forbidden): namespaces is forbidden: User "system:serviceaccount:team-a:default" '
      + 'cannot list resource "namespaces" in API group "" at the cluster scope');
    const target = await resolveClusterTarget({ kubeconfig, namespace: 'team-a' });
    const changes: string[][] = [];
    const log: string[] = [];
    const watch = await watchNamespaces(target, (names) => changes.push([...names]), { log: (l) => log.push(l) });
    try {
      expect(watch.names).to.deep.equal(['default', 'kube-system', 'team-a']);
      expect(log).to.deep.equal([`namespaces: cannot list the namespaces of context "${target.context}" (namespaces is forbidden: `
        + 'User "system:serviceaccount:team-a:default" cannot list resource "namespaces" in API group "" at the cluster scope): '
        + 'only default, kube-system, team-a resolve as name.namespace']);
      expect(changes).to.deep.equal([]);
    } finally {
      watch.stop();
    }
  });
});
