// --proxy-via's relay on the local cluster: startProxyViaRelay adds the ephemeral container to a pod of
// Deployment client-app (nothing restarts); through the proxy pod's tunnel to the relay's port, the echo
// Service sees client-app's pod IP as the caller, a hostAliases name resolves to 127.0.0.5 and a listener
// client-app has only there answers; stop() ends the relay (terminated); the repairer stops one left running.
import { expect } from 'chai';
import crypto from 'node:crypto';

import type { ChangeJournal } from '../../../src/changes.js';
import { ClusterError } from '../../../src/errors.js';
import { deployProxy, newRelaySecret, proxyViaRelayRepairer, startProxyViaRelay, type DeployedProxy, type ProxyViaRelayEntry } from '../../../src/kube/index.js';
import { connectToProxy, type ProxyConnection } from '../../../src/tunnel/connect.js';
import { pinHostKey } from '../../../src/tunnel/host-key.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { clientApp, echoService, httpGetJson, PROXY_IMAGE, targetOf } from './fixtures.js';
import { connect, hello, resolve, take } from './relay-client.js';

function recordingJournal(): { journal: ChangeJournal; entries: Array<{ kind: string; data: unknown; settled: boolean }> } {
  const entries: Array<{ kind: string; data: unknown; settled: boolean }> = [];
  return {
    entries,
    journal: { record: (kind, data) => {
      const e = { kind, data: data as unknown, settled: false };
      entries.push(e);
      return { update: (d) => { e.data = d; }, settle: () => { e.settled = true; }, settleAfter: (undo) => async () => { await undo(); e.settled = true; } };
    } },
  };
}

describe('kube: --proxy-via relay (ephemeral container)', function () {
  this.timeout(240_000);
  const fx = useCluster();
  let proxy: DeployedProxy | undefined;
  let conn: ProxyConnection | undefined;

  before(async function () {
    this.timeout(300_000);
    await ensureProxyImage();
  });
  afterEach(async () => {
    conn?.close();
    await proxy?.undo();
    conn = undefined;
    proxy = undefined;
  });

  async function clientAppPods(): Promise<string[]> {
    const pods = await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=client-app' });
    return pods.items.map((p) => `${p.metadata!.name} ${p.metadata!.uid} restarts=${(p.status?.containerStatuses ?? []).map((c) => c.restartCount).join(',')}`).sort();
  }

  async function relayStatus(pod: string, container: string) {
    return (await fx.core.readNamespacedPod({ name: pod, namespace: fx.namespace })).status?.ephemeralContainerStatuses?.find((c) => c.name === container);
  }

  async function setUp(): Promise<{ sessionId: string; echo: { podIp: string; clusterIp: string }; before: string[] }> {
    const echo = await echoService(fx, 'echo');
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify(clientApp()));
    await fx.kubectl(['rollout', 'status', 'deployment/client-app', '--timeout=90s']);
    const sessionId = `s-${crypto.randomBytes(4).toString('hex')}`;
    const key = generateSessionKey(sessionId);
    const target = await targetOf(fx);
    proxy = await deployProxy(target, { name: 'tp-proxy', image: PROXY_IMAGE, sessionId, publicKey: key.publicKey }, () => undefined, 60_000);
    conn = await connectToProxy(target, proxy.podName, key, { sshConnectMs: 30_000, hostKey: pinHostKey(proxy.hostKey, proxy.podName) });
    return { sessionId, echo, before: await clientAppPods() };
  }

  it('dials from client-app\'s pod: the caller is its IP, its hostAliases and 127.0.0.5 are its own; stop() ends it; nothing restarts', async () => {
    const { sessionId, echo, before } = await setUp();
    const target = await targetOf(fx);
    const secret = newRelaySecret();
    const lines: string[] = [];
    const { journal, entries } = recordingJournal();
    const relay = await startProxyViaRelay(target, 'client-app', { image: PROXY_IMAGE, secret, sessionId, log: (l) => lines.push(l), journal });
    const appPod = await fx.core.readNamespacedPod({ name: relay.podName, namespace: fx.namespace });
    expect(relay).to.deep.include({ workload: 'Deployment client-app', namespace: fx.namespace, podIp: appPod.status!.podIP, port: 9056,
      container: `telepresence-relay-${sessionId}`, username: 'telepresence' });
    expect(lines).to.deep.equal([
      `Adding the --proxy-via relay (container ${relay.container}, port 9056) to pod ${relay.podName} of Deployment client-app`,
      `The --proxy-via relay runs in pod ${relay.podName} (IP ${relay.podIp}, port 9056)`,
    ]);
    expect(entries).to.deep.equal([{ kind: 'proxy-via-relay', settled: false, data: {
      context: target.context, namespace: fx.namespace, workload: 'Deployment client-app', pod: relay.podName, podUid: appPod.metadata!.uid, container: relay.container } }]);
    expect((await relayStatus(relay.podName, relay.container))?.state?.running).to.not.equal(undefined);
    const tunnel = conn!.tunnel;

    // Without the secret, nothing: a wrong one is refused.
    expect(await hello(await tunnel.openStream(relay.podIp, relay.port), secret.replace(/^./, (c) => (c === 'x' ? 'y' : 'x')))).to.equal('05020101');

    // The echo Service by name (the pod's search path), through the relay: the caller is client-app's pod.
    expect(await resolve(await tunnel.openStream(relay.podIp, relay.port), secret, 'echo')).to.equal(echo.clusterIp);
    const viaRelay = await tunnel.openStream(relay.podIp, relay.port);
    expect(await connect(viaRelay, secret, 'echo', 8080)).to.equal(0);
    const answering = httpGetJson(viaRelay, 'echo', '/via-the-relay');
    viaRelay.resume();
    const answer = await answering;
    expect(answer).to.deep.include({ pod: 'echo', path: '/via-the-relay' });
    expect(answer.client).to.have.property('address', relay.podIp);
    // Without the relay the same Service sees the proxy pod: the relay is what changes the caller.
    const direct = await httpGetJson(await tunnel.openStream(echo.clusterIp, 8080), 'echo', '/direct');
    expect(direct.client).to.have.property('address', proxy!.podIp);

    // A name of client-app's /etc/hosts (hostAliases) to 127.0.0.5, and client-app's listener there.
    expect(await resolve(await tunnel.openStream(relay.podIp, relay.port), secret, 'mesh-local.test')).to.equal('127.0.0.5');
    const loop = await tunnel.openStream(relay.podIp, relay.port);
    expect(await connect(loop, secret, '127.0.0.5', 7070)).to.equal(0);
    loop.write('GET / HTTP/1.1\r\nHost: mesh-local.test\r\nConnection: close\r\n\r\n');
    const head = (await take(loop, 17)).toString();
    expect(head).to.equal('HTTP/1.1 200 OK\r\n');
    const rest = await new Promise<string>((done) => { let t = ''; loop.on('data', (d: Buffer) => (t += d.toString())); loop.on('end', () => { loop.end(); done(t); }); loop.resume(); });
    expect(rest.endsWith(`loopback-only listener of ${relay.podName}`), rest).to.equal(true);
    // From the proxy pod, 127.0.0.5:7070 is nobody's: the same stream without the relay is refused.
    let directError = '';
    await tunnel.openStream('127.0.0.5', 7070).then((s) => s.destroy(), (e: Error) => { directError = e.message; });
    expect(directError).to.not.equal('');

    await relay.stop();
    const ended = await relayStatus(relay.podName, relay.container);
    expect(ended?.state?.terminated).to.include({ exitCode: 0 });
    expect(entries[0]!.settled).to.equal(true);
    expect(await fx.kubectl(['logs', relay.podName, '-c', relay.container])).to.match(/relay stopping: SIGTERM\n?$/);
    // The workload: same pods, same restart counts, its own containers untouched.
    expect(await clientAppPods()).to.deep.equal(before);
    const after = await fx.core.readNamespacedPod({ name: relay.podName, namespace: fx.namespace });
    expect(after.spec!.containers.map((c) => c.name)).to.deep.equal(['echo', 'loopback']);
    await relay.stop(); // twice: nothing left to stop, no error
  });

  it('the repairer stops a relay a killed session left; a second relay takes the port again; a DaemonSet is refused', async () => {
    const { sessionId } = await setUp();
    const target = await targetOf(fx);
    const { journal, entries } = recordingJournal();
    const left = await startProxyViaRelay(target, 'deployment/client-app', { image: PROXY_IMAGE, secret: newRelaySecret(), sessionId, log: () => undefined, journal });
    const data = entries[0]!.data as ProxyViaRelayEntry;
    const repairer = proxyViaRelayRepairer(target);
    expect(repairer.kind).to.equal('proxy-via-relay');
    expect(await repairer.repair({ ...data, context: 'another-context' }, { sessionId, pid: 1234, started: 'then' })).to.equal(null);
    expect((await relayStatus(left.podName, left.container))?.state?.running).to.not.equal(undefined);
    expect(await repairer.repair(data, { sessionId, pid: 1234, started: 'then' })).to.deep.equal([
      `stopped the --proxy-via relay of an earlier session (pid 1234, started then) in pod ${left.podName} of Deployment client-app in namespace ${fx.namespace}`]);
    expect((await relayStatus(left.podName, left.container))?.state?.terminated).to.include({ exitCode: 0 });
    expect(await repairer.repair(data, { sessionId, pid: 1234, started: 'then' })).to.deep.equal([]);

    const next = await startProxyViaRelay(target, 'client-app', { image: PROXY_IMAGE, secret: newRelaySecret(), sessionId: `${sessionId}-2`, log: () => undefined, idleSeconds: 2 });
    expect([next.podName, next.port]).to.deep.equal([left.podName, 9056]);
    // Nobody connects: it exits by itself after its idle time.
    const idle = await waitFor('the unused relay to exit', 20_000, async () => (await relayStatus(next.podName, next.container))?.state?.terminated);
    expect(idle).to.include({ exitCode: 0 });
    expect(await fx.kubectl(['logs', next.podName, '-c', next.container])).to.match(/relay stopping: no connection for 2 s\n?$/);

    let refusal: unknown;
    await startProxyViaRelay(target, 'daemonset/client-app', { image: PROXY_IMAGE, secret: newRelaySecret(), sessionId, log: () => undefined }).catch((e: unknown) => { refusal = e; });
    expect((refusal as Error).message).to.equal('--proxy-via: "daemonset/client-app" is a daemonset, not a Deployment, ReplicaSet or StatefulSet of the namespace: NAME, deployment/NAME, replicaset/NAME or statefulset/NAME');
    let missing: unknown;
    await startProxyViaRelay(target, 'nothing-here', { image: PROXY_IMAGE, secret: newRelaySecret(), sessionId, log: () => undefined }).catch((e: unknown) => { missing = e; });
    expect(missing).to.be.instanceOf(ClusterError);
    expect((missing as Error).message).to.equal(`--proxy-via: no Deployment, ReplicaSet or StatefulSet "nothing-here" in namespace "${fx.namespace}": name one there (kubectl get deployments,replicasets,statefulsets -n ${fx.namespace}), or use --namespace`);
  });
});
