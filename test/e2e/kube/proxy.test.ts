// The proxy pod on the local cluster: deployProxy (progress lines, labels, non-root spec), connectToProxy
// (port-forward + SSH), a stream to an echo Service by ClusterIP and to the pod IP, exec in the pod, undo
// leaving nothing labelled telepresence, and an image that never starts failing fast with its reason.
import { expect } from 'chai';
import crypto from 'node:crypto';

import { ClusterError } from '../../../src/errors.js';
import { deployProxy, findLeftovers, type DeployedProxy } from '../../../src/kube/index.js';
import { connectToProxy, type ProxyConnection } from '../../../src/tunnel/connect.js';
import { pinHostKey } from '../../../src/tunnel/host-key.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { useCluster } from '../helpers/cluster.js';
import { runScript } from '../helpers/pods.js';
import { echoService, httpGetJson, labelledTelepresence, PROXY_IMAGE, targetOf } from './fixtures.js';

describe('kube: proxy pod', function () {
  this.timeout(180_000);
  const fx = useCluster();
  let proxy: DeployedProxy | undefined;
  let conn: ProxyConnection | undefined;

  afterEach(async () => {
    conn?.close();
    await proxy?.undo();
    conn = undefined;
    proxy = undefined;
  });

  const session = () => `s-${crypto.randomBytes(4).toString('hex')}`;

  it('deploys, connects through port-forward and SSH, reaches a Service and a pod, and undo removes everything', async () => {
    const echo = await echoService(fx, 'echo');
    const target = await targetOf(fx);
    const sessionId = session();
    const key = generateSessionKey(sessionId);
    const lines: string[] = [];
    proxy = await deployProxy(target, { name: 'tp-proxy', image: PROXY_IMAGE, sessionId, publicKey: key.publicKey }, (l) => lines.push(l), 60_000);
    const pod = await fx.core.readNamespacedPod({ name: proxy.podName, namespace: fx.namespace });
    expect(proxy.podName).to.match(/^tp-proxy-[a-z0-9]+-[a-z0-9]+$/);
    expect(proxy.podIp).to.equal(pod.status!.podIP).and.match(/^10\.132\.\d+\.\d+$/);
    expect(lines).to.deep.equal([
      `Creating Deployment tp-proxy (image ${PROXY_IMAGE}) in namespace ${fx.namespace}`,
      'Waiting for a pod of Deployment tp-proxy',
      `Waiting for pod ${proxy.podName} to be ready`,
      `Pod ${proxy.podName} is ready (IP ${proxy.podIp})`,
    ]);
    expect(pod.metadata!.labels).to.include({ telepresence: sessionId });
    expect(pod.spec!.securityContext).to.include({ runAsUser: 1000, runAsNonRoot: true });
    const c = pod.spec!.containers[0];
    expect(c.ports!.map((p) => `${p.containerPort}/${p.protocol}`)).to.deep.equal(['8022/TCP', '9050/TCP', '9053/UDP']);
    expect(c.imagePullPolicy).to.equal('IfNotPresent');
    expect(c.env).to.deep.include({ name: 'TELEPRESENCE_SSH_PUBKEY', value: key.publicKey });
    const deploy = await fx.apps.readNamespacedDeployment({ name: 'tp-proxy', namespace: fx.namespace });
    expect([deploy.metadata!.labels, deploy.spec!.replicas]).to.deep.equal([{ telepresence: sessionId }, 1]);

    conn = await connectToProxy(target, proxy.podName, key, { sshConnectMs: 30_000, hostKey: pinHostKey(proxy.hostKey, proxy.podName) });
    const viaService = await httpGetJson(await conn.tunnel.openStream(echo.clusterIp, 8080), echo.clusterIp, '/through-the-tunnel');
    expect(viaService).to.include({ pod: 'echo', podIp: echo.podIp, method: 'GET', path: '/through-the-tunnel' });
    // The echo pod saw the connection come from the proxy pod.
    expect(viaService.client).to.have.property('address', proxy.podIp);
    const direct = await httpGetJson(await conn.tunnel.openStream(echo.podIp, 8080), echo.podIp, '/to-the-pod');
    expect(direct).to.include({ pod: 'echo', path: '/to-the-pod' });
    const resolv = await conn.tunnel.exec('cat /etc/resolv.conf');
    expect(resolv).to.match(new RegExp(`^search ${fx.namespace}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local`, 'm'));
    const info = JSON.parse(await conn.tunnel.exec('telepresence-podinfo')) as { hostname: string; env: Record<string, string> };
    expect(info.hostname).to.equal(proxy.podName);
    expect(info.env).to.include({ ECHO_SERVICE_HOST: echo.clusterIp, ECHO_SERVICE_PORT: '8080' });
    expect(info.env).to.not.have.property('TELEPRESENCE_SSH_PUBKEY');

    conn.close();
    conn = undefined;
    await proxy.undo();
    proxy = undefined;
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    expect(await labelledTelepresence(fx, sessionId)).to.deep.equal([]);
  });

  it('creates a Service for exposed ports and removes it with the rest', async () => {
    const target = await targetOf(fx);
    const sessionId = session();
    const key = generateSessionKey(sessionId);
    const lines: string[] = [];
    proxy = await deployProxy(target, { name: 'exposed', image: PROXY_IMAGE, sessionId, publicKey: key.publicKey, exposePorts: [8080, 9000] },
      (l) => lines.push(l), 60_000);
    expect(lines[1]).to.equal('Creating Service exposed for ports 8080, 9000');
    const svc = await fx.core.readNamespacedService({ name: 'exposed', namespace: fx.namespace });
    expect([svc.metadata!.labels, svc.spec!.selector, svc.spec!.ports!.map((p) => p.port)])
      .to.deep.equal([{ telepresence: sessionId }, { telepresence: sessionId }, [8080, 9000]]);
    const leftovers = await findLeftovers(target);
    expect(leftovers.map((o) => `${o.kind} ${o.name} ${o.sessionId}`).sort()).to.include.members([
      `Deployment exposed ${sessionId}`, `Pod ${proxy.podName} ${sessionId}`, `Service exposed ${sessionId}`,
    ]);
    expect(await findLeftovers(target, { isRunning: (id) => id === sessionId })).to.deep.equal([]);
    await proxy.undo();
    proxy = undefined;
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('runs the privileged variant (root) for a port below 1024, and the Service brings port 80 to the workstation', async () => {
    const target = await targetOf(fx);
    const sessionId = session();
    const key = generateSessionKey(sessionId);
    proxy = await deployProxy(target, { name: 'web', image: PROXY_IMAGE, sessionId, publicKey: key.publicKey, exposePorts: [80] }, () => undefined, 60_000);
    const pod = await fx.core.readNamespacedPod({ name: proxy.podName, namespace: fx.namespace });
    expect(pod.spec!.securityContext).to.deep.equal({ runAsUser: 0, runAsNonRoot: false });
    expect(pod.spec!.containers[0].ports!.map((p) => `${p.containerPort}/${p.protocol}`)).to.deep.equal(['8022/TCP', '9050/TCP', '9053/UDP', '80/TCP']);
    conn = await connectToProxy(target, proxy.podName, key, { hostKey: pinHostKey(proxy.hostKey, proxy.podName) });
    await conn.tunnel.forwardIn('0.0.0.0', 80, (stream) => {
      stream.once('data', () => stream.end('HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n\r\nfrom the host\n'));
    });
    const log = await runScript(fx, 'caller', 'curl -sS -m 10 http://web/');
    expect(log.trim()).to.equal('from the host');
  });

  it('refuses another key at once, and stops waiting for the pod when aborted', async () => {
    const target = await targetOf(fx);
    const sessionId = session();
    proxy = await deployProxy(target, { name: 'keyed', image: PROXY_IMAGE, sessionId, publicKey: generateSessionKey(sessionId).publicKey }, () => undefined, 60_000);
    const started = Date.now();
    let err: unknown;
    try {
      await connectToProxy(target, proxy.podName, generateSessionKey('other'), { sshConnectMs: 20_000, hostKey: pinHostKey(proxy.hostKey, proxy.podName) });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as Error).message).to.equal(`the proxy pod ${proxy.podName} refused the session's SSH key: `
      + 'cannot open the SSH connection to the proxy pod at 127.0.0.1:' + /127\.0\.0\.1:(\d+)/.exec((err as Error).message)![1]
      + ': All configured authentication methods failed');
    expect(Date.now() - started).to.be.below(5000);

    const aborter = new AbortController();
    const other = session();
    let abortErr: unknown;
    const lines: string[] = [];
    const waiting = deployProxy(target, { name: 'aborted', image: PROXY_IMAGE, sessionId: other, publicKey: '', signal: aborter.signal }, (l) => {
      lines.push(l);
      if (l.startsWith('Waiting for pod')) aborter.abort();
    }, 60_000);
    try {
      await waiting;
    } catch (e) {
      abortErr = e;
    }
    expect((abortErr as Error).message).to.equal('interrupted while waiting for the proxy pod of Deployment aborted');
    expect(await labelledTelepresence(fx, other)).to.deep.equal([]);
  });

  it('refuses a name that is taken and leaves the other Deployment alone', async () => {
    await fx.kubectl(['create', 'deployment', 'taken', '--image', 'telepresence-test/echo:dev']);
    const target = await targetOf(fx);
    const sessionId = session();
    let err: unknown;
    try {
      await deployProxy(target, { name: 'taken', image: PROXY_IMAGE, sessionId, publicKey: generateSessionKey(sessionId).publicKey }, () => undefined, 30_000);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as Error).message).to.equal(`Deployment "taken" already exists in namespace "${fx.namespace}": `
      + `choose another name with --new-deployment, or delete it (kubectl delete deployment taken -n ${fx.namespace})`);
    expect(await fx.kubectl(['get', 'deployment', 'taken', '-o', 'name'])).to.equal('deployment.apps/taken');
  });

  it('fails within the timeout with the pod state when the image never starts, and leaves nothing behind', async () => {
    const target = await targetOf(fx);
    const sessionId = session();
    const lines: string[] = [];
    const started = Date.now();
    let err: unknown;
    try {
      await deployProxy(target, { name: 'broken', image: 'telepresence/does-not-exist:dev', sessionId, publicKey: generateSessionKey(sessionId).publicKey },
        (l) => lines.push(l), 15_000);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ClusterError);
    const message = (err as Error).message;
    // IfNotPresent on a node that cannot pull: the kubelet retries (ErrImagePull, then ImagePullBackOff), so the launcher waits its deadline.
    expect(message).to.match(new RegExp('^the proxy pod broken-[a-z0-9]+-[a-z0-9]+ did not become ready within 15 s \\(timeouts.proxyPodReady\\): phase Pending; '
      + 'container telepresence waiting: (ErrImagePull|ImagePullBackOff) \\(.*telepresence/does-not-exist:dev'));
    expect(message).to.not.include('\n');
    expect(Date.now() - started).to.be.below(15_000 + 10_000);
    expect(lines.slice(0, 2)).to.deep.equal([`Creating Deployment broken (image telepresence/does-not-exist:dev) in namespace ${fx.namespace}`,
      'Waiting for a pod of Deployment broken']);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('describes a pod that runs but never gets ready, at the deadline', async () => {
    const target = await targetOf(fx);
    const sessionId = session();
    let err: unknown;
    const started = Date.now();
    try {
      // A malformed public key: the image's entrypoint refuses it and exits 1, so the pod restarts.
      await deployProxy(target, { name: 'nokey', image: PROXY_IMAGE, sessionId, publicKey: 'ssh-ed25519 not-a-key!' }, () => undefined, 8_000);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ClusterError);
    expect(Date.now() - started).to.be.within(8_000, 8_000 + 15_000);
    const message = (err as Error).message;
    expect(message).to.match(/^the proxy pod nokey-[a-z0-9]+-[a-z0-9]+ did not become ready within 8 s \(timeouts\.proxyPodReady\): phase Running; container telepresence /);
    expect(message).to.include('TELEPRESENCE_SSH_PUBKEY is not an OpenSSH public key line');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });
});
