// Port-forward through the test cluster's own API server (startApiServer, contract 2) and the node's real dial
// relay (serveDialRelay + dialPod, contract 7), with no Docker: the relay runs in this network namespace, so the
// pods' status (set as a kubelet would) names 127.0.0.1, where this test's "pod" servers listen.
import { expect } from 'chai';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { promises as fs } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { execa } from 'execa';
import { startApiServer, type ApiServer } from '../../cluster/apiserver/index.js';
import { serveDialRelay } from '../../cluster/node/dial.js';
import { statePaths } from '../../cluster/state.js';
import { loadClientNode } from '../helpers/client-node.js';
import { exchange, KUBECTL, KUBECTL_SPDY_ONLY, PodServers, roundTrip, startKubectlForward, startPodServers } from '../../unit/cluster/portforward/fixtures.js';


describe('portforward through the test cluster API server', function () {
  this.timeout(120_000);
  let dir: string;
  let api: ApiServer;
  let relay: net.Server;
  let pods: PodServers;
  let uid: string;
  const kubectl = (...args: string[]) => execa(KUBECTL, ['--kubeconfig', api.kubeconfigPath, '--cache-dir', `${dir}/cache`, ...args],
    { extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
  const create = (manifest: object) => execa(KUBECTL, ['--kubeconfig', api.kubeconfigPath, '--cache-dir', `${dir}/cache`,
    'create', '-f', '-'], { input: JSON.stringify(manifest), extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });

  /** What the kubelet would write once the pod's containers run. */
  async function markRunning(name: string): Promise<void> {
    await kubectl('patch', 'pod', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: {
      phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }], hostIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: 'True' }],
    } }));
  }

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pf-apiserver-'));
    api = await startApiServer({ stateDir: dir, port: 0 });
    relay = serveDialRelay(statePaths(dir).nodeDialSock);
    await new Promise<void>((resolve, reject) => relay.once('listening', resolve).once('error', reject));
    pods = await startPodServers(10 * 1024 * 1024);
    const echoPort = pods.map[7000];
    const container = { name: 'app', image: 'telepresence-test/echo:dev', imagePullPolicy: 'Never', ports: [{ containerPort: echoPort }] };
    await create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels: { app: 'x' } }, spec: { containers: [container] } });
    await create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'echo' }, spec: {
      replicas: 1, selector: { matchLabels: { app: 'echo' } },
      template: { metadata: { labels: { app: 'echo' } }, spec: { containers: [container] } } } });
    await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: {
      selector: { app: 'echo' }, ports: [{ port: 80, targetPort: echoPort }] } });
    await markRunning('x');
    uid = (await kubectl('get', 'pod', 'x', '-o', 'jsonpath={.metadata.uid}')).stdout;
  });
  after(async () => {
    pods?.close();
    relay?.close();
    await api?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('kubectl port-forward pod/x: curl and 50 concurrent echoes (SPDY over WebSocket)', async () => {
    const fwd = await startKubectlForward(KUBECTL, api.kubeconfigPath, `${dir}/cache`, 'pod/x', [pods.map[8080], pods.map[7000]]);
    try {
      const curl = await execa('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${fwd.local[pods.map[8080]]}/via-apiserver`]);
      expect(curl.stdout).to.equal('hello from pod, GET /via-apiserver');
      const payloads = Array.from({ length: 50 }, (_, i) => `${i}:${crypto.randomBytes(8 * 1024).toString('hex')}`);
      const echoed = await Promise.all(payloads.map((p) => roundTrip(fwd.local[pods.map[7000]], p)));
      expect(echoed.filter((e, i) => e !== payloads[i])).to.deep.equal([]);
    } finally {
      await fwd.stop();
    }
  });

  // Needs the node's dial relay to keep its side open after our FIN (allowHalfOpen), as TCP does.
  it('keeps the pod\'s answer after the client half-closes, through the dial relay', async () => {
    const fwd = await startKubectlForward(KUBECTL, api.kubeconfigPath, `${dir}/cache`, 'pod/x', [pods.map[7001]]);
    try {
      expect(await exchange(fwd.local[pods.map[7001]], 'bye')).to.equal('got 3 bytes: bye');
    } finally {
      await fwd.stop();
    }
  });

  it('kubectl 1.29 port-forward deployment/echo and svc/echo reach the pod of the Deployment (SPDY)', async () => {
    const podName = (await kubectl('get', 'pods', '-l', 'app=echo', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    expect(podName).to.match(/^echo-[a-z0-9]+-[a-z0-9]{5}$/);
    await markRunning(podName);
    for (const [target, remote] of [['deployment/echo', pods.map[7000]], ['svc/echo', 80]] as const) {
      const fwd = await startKubectlForward(KUBECTL_SPDY_ONLY, api.kubeconfigPath, `${dir}/cache`,
        target, [remote]);
      try {
        // kubectl names the pod port it forwards to: for svc/echo :80, the Service's targetPort.
        expect(Object.keys(fwd.local)).to.deep.equal([String(pods.map[7000])]);
        expect(await roundTrip(fwd.local[pods.map[7000]], `hello ${target}`)).to.equal(`hello ${target}`);
      } finally {
        await fwd.stop();
      }
    }
  });

  it('kubectl prints kubelet\'s text when nothing listens on the pod port', async () => {
    const fwd = await startKubectlForward(KUBECTL, api.kubeconfigPath, `${dir}/cache`, 'pod/x', [pods.refusedPort]);
    try {
      const local = fwd.local[pods.refusedPort];
      expect(await exchange(local, 'x', false)).to.equal('');
      const text = `an error occurred forwarding ${local} -> ${pods.refusedPort}: error forwarding port ${pods.refusedPort} ` +
        `to pod ${uid}, uid : dial tcp4 127.0.0.1:${pods.refusedPort}: connect: connection refused`;
      const deadline = Date.now() + 10_000;
      while (!fwd.output().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(fwd.output()).to.include(text);
    } finally {
      await fwd.stop();
    }
  });

  it('client-node PortForward reaches the pod through the API server', async () => {
    const { KubeConfig, PortForward } = await loadClientNode();
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    let text = '';
    const out = new Writable({ write(c: Buffer, _e, cb) { text += c.toString(); cb(); } });
    const input = new PassThrough();
    await new PortForward(kc).portForward('default', 'x', [pods.map[7000]], out, null, input);
    input.write('client-node via apiserver');
    const deadline = Date.now() + 10_000;
    while (text !== 'client-node via apiserver' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(text).to.equal('client-node via apiserver');
    input.end();
  });
});
