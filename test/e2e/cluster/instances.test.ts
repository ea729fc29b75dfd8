// Two local test clusters at once (`npm run cluster -- up --instance 2` beside the default one), as two real
// clusters on two networks: the same pod and service subnets, even the same ClusterIP, each answering with its own
// pod; instance 2's `down` leaves the default cluster serving and the host as it was before instance 2.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';

import { type ClusterFixture, connectFixture, createFixtureNamespace, deleteFixtureNamespace, newFixture, waitFor } from '../helpers/cluster.js';
import { type ClusterInstanceInfo, clusterCliFor, clusterInstanceDown, clusterInstanceInfo, clusterInstanceUp, instanceFixture } from '../helpers/cluster-instance.js';
import { ECHO_IMAGE, waitForReady } from '../helpers/pods.js';

interface Echo { pod: string; podIp: string; path: string }

/** What of the host a cluster could touch; counters and comments dropped (they move with any traffic). */
async function hostSnapshot(): Promise<Record<string, string>> {
  const out = async (cmd: string, args: string[]) => String((await execa(cmd, args)).stdout);
  return {
    links: await out('ip', ['-o', 'link', 'show']),
    addresses: await out('ip', ['-o', 'addr', 'show']),
    routes: await out('ip', ['route', 'show', 'table', 'all']),
    routes6: await out('ip', ['-6', 'route', 'show', 'table', 'all']),
    rules: await out('ip', ['rule', 'show']),
    rules6: await out('ip', ['-6', 'rule', 'show']),
    iptables: (await out('iptables-save', [])).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, '')).join('\n'),
    netns: (await out('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]).sort().join(' '),
  };
}

/** An echo pod `web` that names its node in its answers (the `pod` field), and Service `web` on `clusterIp`. */
function webObjects(clusterIp: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 8080 }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 } }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { clusterIP: clusterIp, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
  ] });
}

/** `kubectl exec web -- curl` of the Service by its cluster name, inside the fixture's cluster. */
async function curlInside(fx: ClusterFixture, what: string): Promise<Echo> {
  const url = `http://web.${fx.namespace}.svc.cluster.local/${what}`;
  return JSON.parse(await fx.kubectl(['exec', 'web', '-c', 'echo', '--', 'curl', '-sS', '-m', '10', url])) as Echo;
}

describe('two local test clusters at once (--instance 2)', function () {
  this.timeout(300_000);
  const fx = newFixture(`tp-e2e-inst-${crypto.randomBytes(3).toString('hex')}`);
  const info: ClusterInstanceInfo = clusterInstanceInfo('2');
  let fx2: ClusterFixture;
  let before2: Record<string, string>;
  // One ClusterIP for both Services: free in a fresh instance 2, and (high in the range) in the default one too.
  const clusterIp = `10.130.${200 + crypto.randomInt(50)}.${1 + crypto.randomInt(250)}`;

  before(async function () {
    this.timeout(300_000);
    await connectFixture(fx);
    await clusterInstanceDown('2'); // a left-over of an interrupted run
    before2 = await hostSnapshot();
    // The default cluster's guard routes, which instance 2 shares and its `down` must leave.
    for (const subnet of ['10.130.0.0/16', '10.132.0.0/16', '246.246.0.0/16']) expect(before2.routes).to.contain(`unreachable ${subnet} metric 9999 \n`);
    await createFixtureNamespace(fx);
  });
  after(async function () {
    this.timeout(120_000);
    await clusterInstanceDown('2');
    await deleteFixtureNamespace(fx, fx.namespace);
  });

  it('serves pods in both with the same subnets and ClusterIP, each cluster reaching its own', async () => {
    const up = await clusterInstanceUp('2');
    process.stderr.write(`      (up --instance 2 beside the default cluster: ${up.seconds.toFixed(1)} s)\n`);
    expect(up).to.include({ kubeconfig: '/run/tp-cluster-2/kubeconfig', context: 'tp-local-2', netns: 'tp-node-2', apiPort: 16444 });
    fx2 = await instanceFixture(info, fx.namespace); // the same namespace name in both clusters
    await createFixtureNamespace(fx2);
    expect((await fx2.kubectl(['config', 'current-context'])).trim()).to.equal('tp-local-2');
    expect((await fx.kubectl(['config', 'current-context'])).trim()).to.equal('tp-local');
    expect((await fx2.kubectl(['get', 'nodes', '-o', 'name'])).trim()).to.equal('node/tp-node-2');
    expect((await fx.kubectl(['get', 'nodes', '-o', 'name'])).trim()).to.equal('node/tp-node');

    for (const f of [fx, fx2]) await f.kubectl(['apply', '-f', '-'], webObjects(clusterIp));
    const pods = await Promise.all([fx, fx2].map((f) => waitForReady(f, 'web')));
    for (const pod of pods) expect(pod.status!.podIP).to.match(/^10\.132\.\d+\.\d+$/);
    for (const f of [fx, fx2]) expect((await f.core.readNamespacedService({ name: 'web', namespace: fx.namespace })).spec!.clusterIP).to.equal(clusterIp);

    // The same namespace, pod and container names: Docker names the containers per instance.
    const names = String((await execa('docker', ['ps', '--format', '{{.Names}}', '--filter', `name=_${fx.namespace}_web_`])).stdout).split('\n').sort();
    expect(names).to.deep.equal([`tp2_${fx.namespace}_web_POD`, `tp2_${fx.namespace}_web_echo`, `tp_${fx.namespace}_web_POD`, `tp_${fx.namespace}_web_echo`]);

    const [inDefault, in2] = await Promise.all([curlInside(fx, 'from-default'), curlInside(fx2, 'from-2')]);
    expect(inDefault).to.include({ pod: 'tp-node', podIp: pods[0]!.status!.podIP, path: '/from-default' });
    expect(in2).to.include({ pod: 'tp-node-2', podIp: pods[1]!.status!.podIP, path: '/from-2' });

    // Only their own links reach the nodes, nothing goes outside: the host has no link of either, each node has
    // only loopback and its pods' veths (peers in pod namespaces) and no route out; the host's guard routes drop the subnets.
    expect((await hostSnapshot()).links).to.equal(before2.links);
    for (const netns of ['tp-node', 'tp-node-2']) {
      const links = String((await execa('ip', ['-n', netns, '-o', 'link', 'show'])).stdout).split('\n').map((l) => l.split(':')[1]!.trim().split('@')[0]!);
      expect(links.filter((l) => l !== 'lo' && !/^tpv[0-9a-f]{8}$/.test(l)), netns).to.deep.equal([]);
      const out = await execa('ip', ['-n', netns, 'route', 'get', '1.1.1.1'], { reject: false });
      expect([out.exitCode, out.stderr.trim()], netns).to.deep.equal([2, 'RTNETLINK answers: Network is unreachable']);
    }
    for (const target of [clusterIp, pods[1]!.status!.podIP!]) {
      const out = await execa('ip', ['route', 'get', target], { reject: false });
      expect(out.stdout.trim() || out.stderr.trim(), target).to.match(/^(unreachable .* metric 9999|RTNETLINK answers: No route to host)/);
    }

    const status = String((await clusterCliFor('1', ['status'])).stdout);
    expect(status).to.match(/^instances up: default \(1\) \(context tp-local, \/run\/tp-cluster\/kubeconfig\), 2 \(context tp-local-2, \/run\/tp-cluster-2\/kubeconfig\)$/m);
    expect(String((await clusterCliFor('2', ['status'])).stdout)).to.contain('netns tp-node-2: present\nguard routes: installed\n');
  });

  it('takes instance 2 down alone: the default cluster serves on, the host is as before instance 2', async () => {
    const down = await clusterInstanceDown('2');
    process.stderr.write(`      (down --instance 2: ${down.seconds.toFixed(1)} s)\n`);
    expect(await hostSnapshot()).to.deep.equal(before2);
    expect(String((await execa('docker', ['ps', '-aq', '--filter', 'label=tp-cluster-2=1'])).stdout)).to.equal('');
    expect(String((await clusterCliFor('1', ['status'])).stdout)).to.match(/^guard routes: installed$/m)
      .and.to.match(/^instances up: default \(1\) \(context tp-local, \/run\/tp-cluster\/kubeconfig\)$/m);
    expect(String((await clusterCliFor('2', ['status'])).stdout)).to.match(/^netns tp-node-2: absent$/m).and.to.match(/^apiserver: not running$/m);
    await waitFor('the default cluster to answer', 20_000, async () => ((await fx.core.readNamespacedPod({ name: 'web', namespace: fx.namespace })).status?.phase === 'Running' ? true : undefined));
    expect(await curlInside(fx, 'after')).to.include({ pod: 'tp-node', path: '/after' });
    expect(fs.existsSync(info.kubeconfig)).to.equal(false);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(info.apiPort, '127.0.0.1', () => {
        socket.destroy();
        resolve('connected');
      }).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? ''));
    });
    expect(refused).to.equal('ECONNREFUSED');
  });
});
