// resolveClusterTarget against the local cluster: kubeconfig/context/namespace resolved as kubectl does,
// and each failure as one exact line (unknown context, no current context, missing namespace,
// unreachable API server, an API server that never answers). What the kubeconfig itself gets wrong is a
// ConfigError (exit 2); a --context it lacks and the cluster's failures are ClusterErrors (exit 255).
import { expect } from 'chai';
import net from 'node:net';

import { ClusterError, ConfigError, type TelepresenceError } from '../../../src/errors.js';
import { resolveClusterTarget, type ClusterTargetOptions } from '../../../src/kube/index.js';
import { useCluster } from '../helpers/cluster.js';
import { closedPort, editedKubeconfig } from './fixtures.js';

async function failure(opts: ClusterTargetOptions, kind: typeof ClusterError = ClusterError): Promise<TelepresenceError> {
  try {
    await resolveClusterTarget(opts);
  } catch (err) {
    expect(err).to.be.instanceOf(kind);
    return err as TelepresenceError;
  }
  throw new Error('resolveClusterTarget succeeded');
}

describe('kube: cluster target', function () {
  this.timeout(60_000);
  const fx = useCluster();

  it('takes the current context and its namespace from $KUBECONFIG, and kubectl sees the same cluster', async () => {
    const t = await resolveClusterTarget({ env: { KUBECONFIG: fx.kubeconfig } });
    expect({ context: t.context, namespace: t.namespace, server: t.server, ips: t.apiServerIps, args: t.kubectlArgs }).to.deep.equal({
      context: 'tp-local', namespace: 'default', server: 'https://127.0.0.1:16443', ips: ['127.0.0.1'],
      args: ['--kubeconfig', fx.kubeconfig, '--context', 'tp-local', '--namespace', 'default'],
    });
    expect(t.kubeConfig.getCurrentContext()).to.equal('tp-local');
  });

  it('uses the flags: --kubeconfig, --context and --namespace', async () => {
    const t = await resolveClusterTarget({ kubeconfig: fx.kubeconfig, context: 'tp-local', namespace: fx.namespace, env: {} });
    expect(t.kubectlArgs).to.deep.equal(['--kubeconfig', fx.kubeconfig, '--context', 'tp-local', '--namespace', fx.namespace]);
    await fx.kubectl(['run', 'marker', '--image', 'telepresence-test/echo:dev', '--image-pull-policy', 'Never']);
    const { execa } = await import('execa');
    const r = await execa('kubectl', [...t.kubectlArgs, 'get', 'pod', 'marker', '-o', 'name'], { env: { KUBECONFIG: '' } });
    expect(r.stdout.trim()).to.equal('pod/marker');
  });

  it('falls back to namespace "default" when the context names none', async () => {
    const file = editedKubeconfig(fx.kubeconfig, (doc) => { delete doc.contexts[0].context.namespace; });
    const t = await resolveClusterTarget({ kubeconfig: file });
    expect(t.namespace).to.equal('default');
  });

  it('merges $KUBECONFIG files as kubectl does: the first current-context and the first definition win', async () => {
    const other = editedKubeconfig(fx.kubeconfig, (doc) => {
      doc['current-context'] = 'other';
      doc.contexts = [{ name: 'other', context: { cluster: 'tp-local', user: 'tp-admin', namespace: fx.namespace } },
        { name: 'tp-local', context: { cluster: 'tp-local', user: 'tp-admin', namespace: 'shadowed' } }];
    });
    const t = await resolveClusterTarget({ env: { KUBECONFIG: `/nonexistent/config:${fx.kubeconfig}:${other}` } });
    expect([t.context, t.namespace]).to.deep.equal(['tp-local', 'default']);
    expect(t.kubectlArgs).to.deep.equal(['--context', 'tp-local', '--namespace', 'default']);
    const t2 = await resolveClusterTarget({ env: { KUBECONFIG: `${other}:${fx.kubeconfig}` } });
    expect([t2.context, t2.namespace]).to.deep.equal(['other', fx.namespace]);
  });

  it('names a context that does not exist and lists the available ones', async () => {
    const err = await failure({ kubeconfig: fx.kubeconfig, context: 'nope' });
    expect(err.message).to.equal(`context "nope" does not exist in the kubeconfig ${fx.kubeconfig} (available contexts: tp-local)`);
  });

  it('says when no context is selected and how to choose one', async () => {
    const file = editedKubeconfig(fx.kubeconfig, (doc) => { delete doc['current-context']; });
    const err = await failure({ kubeconfig: file }, ConfigError);
    expect(err.message).to.equal(`no Kubernetes context is selected: the kubeconfig ${file} sets no current-context (available contexts: tp-local); `
      + 'pass --context NAME or run `kubectl config use-context NAME`');
  });

  it('says when there is no kubeconfig at all', async () => {
    const err = await failure({ env: { KUBECONFIG: '/nonexistent/a:/nonexistent/b' } });
    expect(err.message).to.equal('no Kubernetes context is selected: no kubeconfig (none of the files in $KUBECONFIG exists); '
      + 'set $KUBECONFIG or create ~/.kube/config');
  });

  it('names a namespace that does not exist', async () => {
    const err = await failure({ kubeconfig: fx.kubeconfig, namespace: 'no-such-ns' });
    expect(err.message).to.equal('namespace "no-such-ns" not found in context "tp-local"');
  });

  it('gives the OS error of an API server where nothing listens, at once', async () => {
    const port = await closedPort();
    const file = editedKubeconfig(fx.kubeconfig, (doc) => { doc.clusters[0].cluster.server = `https://127.0.0.1:${port}`; });
    const started = Date.now();
    const err = await failure({ kubeconfig: file, timeoutMs: 20_000 });
    expect(err.message).to.equal(`cannot reach the API server at https://127.0.0.1:${port} (context "tp-local"): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(Date.now() - started).to.be.below(3000);
    // Port 1, which fetch refuses as a "bad port", still gets the OS's answer.
    const one = editedKubeconfig(fx.kubeconfig, (doc) => { doc.clusters[0].cluster.server = 'https://127.0.0.1:1'; });
    expect((await failure({ kubeconfig: one })).message)
      .to.equal('cannot reach the API server at https://127.0.0.1:1 (context "tp-local"): connect ECONNREFUSED 127.0.0.1:1');
  });

  it('gives the TLS error of an untrusted server certificate and the 401 of wrong credentials', async () => {
    const noCa = editedKubeconfig(fx.kubeconfig, (doc) => { delete (doc.clusters[0].cluster as Record<string, unknown>)['certificate-authority-data']; });
    expect((await failure({ kubeconfig: noCa })).message)
      .to.equal('cannot reach the API server at https://127.0.0.1:16443 (context "tp-local"): unable to verify the first certificate');
    const badToken = editedKubeconfig(fx.kubeconfig, (doc) => { (doc as unknown as { users: { user: { token: string } }[] }).users[0].user.token = 'wrong'; });
    expect((await failure({ kubeconfig: badToken })).message)
      .to.equal('the API server at https://127.0.0.1:16443 refused the credentials of context "tp-local" (401 Unauthorized): HTTP 401');
  });

  it('gives up on an API server that accepts connections but never answers, at the deadline', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => { sockets.add(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const file = editedKubeconfig(fx.kubeconfig, (doc) => { doc.clusters[0].cluster.server = `https://127.0.0.1:${port}`; });
      const started = Date.now();
      const err = await failure({ kubeconfig: file, timeoutMs: 1500 });
      expect(err.message).to.equal(`cannot reach the API server at https://127.0.0.1:${port} (context "tp-local"): no answer within 1.5 s (timeouts.clusterConnect)`);
      expect(Date.now() - started).to.be.within(1400, 3000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
