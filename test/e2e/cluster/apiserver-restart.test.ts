// `npm run cluster -- restart-apiserver`: the objects, their uids and resourceVersions, a Service's ClusterIP
// and the tokens issued survive; the counter goes on; the node's daemons and the pods carry on (no restarts),
// and watches from before (the kubelet's informer, the session's ListWatcher) get the events after.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

import { startApiServer } from '../../cluster/apiserver/index.js';
import { snapshotPath } from '../../cluster/apiserver/snapshot.js';
import { Informer } from '../../cluster/node/informer.js';
import { KubeClient, type KubeObject } from '../../cluster/node/kube-client.js';
import { stateDir, statePaths } from '../../cluster/state.js';
import { ListWatcher, type WatchStream } from '../../../src/kube/list-watch.js';
import { loadClientNode } from '../helpers/client-node.js';
import { type ClusterFixture, useCluster, waitFor } from '../helpers/cluster.js';
import { echoPod, TOOLS_IMAGE, waitForReady } from '../helpers/pods.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cluster/cli.js');
const RESTARTED = /^cluster: API server restarted in (\d+\.\d\d) s \(stop (\d+\.\d\d) s, start to \/readyz (\d+\.\d\d) s; pid (\d+) -> (\d+)\)$/m;

/** Restarts the cluster's API server through the CLI; returns its total time in ms. */
export async function restartClusterApiServer(): Promise<{ totalMs: number; stderr: string }> {
  const r = await execa(process.execPath, [CLI, 'restart-apiserver'], { reject: false });
  expect(r.exitCode, String(r.stderr)).to.equal(0);
  const m = RESTARTED.exec(String(r.stderr));
  expect(m, String(r.stderr)).to.not.equal(null);
  expect(m![4]).to.not.equal(m![5]);
  return { totalMs: Number(m![1]) * 1000, stderr: String(r.stderr) };
}

describe('API server restart (an API server of its own, persist)', function () {
  this.timeout(60_000);

  it('keeps objects, uids, resourceVersions, ClusterIPs and issued tokens; the counter goes on; a watch from before the snapshot gets 410, from its resourceVersion the events after', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tp-apirestart-'));
    const first = await startApiServer({ stateDir: dir, port: 0, persist: true });
    let firstOpen = true;
    try {
      const kubectl = async (...args: string[]) => String((await execa('kubectl', args, { env: { KUBECONFIG: first.kubeconfigPath, HOME: dir } })).stdout);
      await kubectl('create', 'namespace', 'ns1');
      await kubectl('-n', 'ns1', 'create', 'configmap', 'c1', '--from-literal=k=v');
      await kubectl('-n', 'ns1', 'create', 'service', 'clusterip', 's1', '--tcp=80:8080');
      const alice = first.issueNamespacedUserToken('alice', ['ns1']);
      const columns = ['get', 'cm,svc', '-n', 'ns1', '-o', 'custom-columns=N:.metadata.name,U:.metadata.uid,RV:.metadata.resourceVersion,IP:.spec.clusterIP'];
      const before = await kubectl(...columns);
      const lastRv = first.registry.store.currentRv();
      await first.close();
      firstOpen = false;
      expect(fs.existsSync(snapshotPath(dir))).to.equal(true);

      const second = await startApiServer({ stateDir: dir, port: 0, persist: true });
      try {
        expect(fs.existsSync(snapshotPath(dir)), 'the snapshot is taken once').to.equal(false);
        expect(second.restored?.rv).to.equal(lastRv);
        expect(second.restored?.tokens).to.equal(1);
        const again = async (...args: string[]) => String((await execa('kubectl', args, { env: { KUBECONFIG: second.kubeconfigPath, HOME: dir } })).stdout);
        expect(await again(...columns)).to.equal(before);
        expect(before).to.match(/^s1 +[0-9a-f-]{36} +\d+ +10\.130\.\d+\.\d+$/m);
        // alice's token, issued by the first instance, is still hers: ns1 yes, the cluster scope no.
        const asAlice = (...args: string[]) => execa('kubectl', ['--token', alice, ...args], { env: { KUBECONFIG: second.kubeconfigPath, HOME: dir }, reject: false });
        expect(String((await asAlice('-n', 'ns1', 'get', 'cm', 'c1', '-o', 'name')).stdout)).to.equal('configmap/c1');
        expect(String((await asAlice('get', 'ns')).stderr)).to.contain('User "alice" cannot list resource "namespaces"');

        const client = new KubeClient({ ca: second.caCert, token: second.token, port: second.port });
        const watchFrom = (rv: number) => {
          const events: { type: string; name?: string; code?: number; message?: string }[] = [];
          let ended = false;
          const w = client.watch<KubeObject & { code?: number; message?: string }>(`/api/v1/namespaces/ns1/configmaps?watch=1&resourceVersion=${rv}`,
            (e) => events.push({ type: e.type, name: e.object.metadata?.name, code: e.object.code, message: e.object.message }), () => { ended = true; });
          return { events, ended: () => ended, stop: () => w.stop() };
        };
        const old = watchFrom(lastRv - 1);
        await waitFor('the old watch to end', 10_000, async () => (old.ended() ? true : undefined));
        expect(old.events).to.deep.equal([{ type: 'ERROR', name: undefined, code: 410, message: `too old resource version: ${lastRv - 1} (${second.registry.store.currentRv()})` }]);
        const fromSnapshot = watchFrom(lastRv);
        try {
          const created = JSON.parse(await again('-n', 'ns1', 'create', 'configmap', 'c2', '-o', 'json')) as KubeObject;
          expect(Number(created.metadata.resourceVersion)).to.be.above(lastRv);
          await waitFor('c2 on the watch from the snapshot', 10_000, async () => (fromSnapshot.events.some((e) => e.name === 'c2') ? true : undefined));
          expect(fromSnapshot.events.map((e) => `${e.type} ${e.name}`)).to.deep.equal(['ADDED c2']);
        } finally {
          fromSnapshot.stop();
        }
      } finally {
        await second.close();
      }
    } finally {
      if (firstOpen) await first.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });
});

interface PodRecord { name: string; uid: string; ip: string; containers: string[] }

async function podRecords(fx: ClusterFixture): Promise<PodRecord[]> {
  const list = JSON.parse(await fx.kubectl(['get', 'pods', '-o', 'json'])) as { items: { metadata: { name: string; uid: string }; status: {
    podIP: string; containerStatuses?: { name: string; restartCount: number; containerID: string; state: { running?: { startedAt: string } } }[] } }[] };
  return list.items.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP,
    containers: (p.status.containerStatuses ?? []).map((c) => `${c.name} restarts=${c.restartCount} ${c.containerID} running since ${c.state.running?.startedAt}`) }));
}

function daemonPids(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['kubelet', 'node-agent']) out[name] = fs.readFileSync(statePaths().pidFile(name), 'utf8').trim();
  return out;
}

describe('restart-apiserver in the local test cluster', function () {
  this.timeout(300_000);
  const fx = useCluster();
  before(function () {
    if (process.env.TP_E2E_KUBECONFIG) this.skip(); // a cluster of someone else's: its API server is not ours to restart
  });

  it('objects, pods (uids, restart counts, containers), a ClusterIP and pod tokens survive; the node carries on; watches from before get events after', async () => {
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: JSON.parse(echoPod('x')).spec } } }));
    await fx.kubectl(['expose', 'deployment', 'web', '--port', '80', '--target-port', '8080']);
    await fx.kubectl(['run', 'tools', '--image', TOOLS_IMAGE, '--image-pull-policy', 'Never', '--command', '--', 'sleep', '3600']);
    await fx.kubectl(['create', 'configmap', 'before', '--from-literal=k=v']);
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    await waitForReady(fx, 'tools');
    await fx.kubectl(['exec', 'tools', '--', 'sh', '-c', 'echo alive > /tmp/mark']);
    const columns = 'custom-columns=KIND:.kind,NAME:.metadata.name,UID:.metadata.uid,RV:.metadata.resourceVersion,IP:.spec.clusterIP';
    const objects = async () => (await fx.kubectl(['get', 'deploy,rs,svc,cm,sa', '-o', columns])) + (await fx.kubectl(['get', 'namespace', fx.namespace, '-o', columns]));
    const objectsBefore = await objects();
    const podsBefore = await podRecords(fx);
    expect(podsBefore.map((p) => p.containers.length)).to.deep.equal([1, 1]);
    const clusterIp = (await fx.kubectl(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const pidsBefore = daemonPids();

    // Watches from before: the kubelet's informer code and the session's ListWatcher on client-node's Watch.
    const seenByInformer: string[] = [];
    const informer = new Informer<KubeObject>(KubeClient.fromStateDir(stateDir(), 'tcp'), `/api/v1/namespaces/${fx.namespace}/configmaps`,
      (type, o) => seenByInformer.push(type === 'SYNC' ? `SYNC ${[...informer.items.values()].map((i) => i.metadata.name).join(',')}` : `${type} ${o!.metadata.name}`));
    await informer.start();
    const k8s = await loadClientNode();
    const seenByListWatcher: string[] = [];
    const watchLog: string[] = [];
    const listWatcher = new ListWatcher<KubeObject>({
      what: 'configmaps', path: `/api/v1/namespaces/${fx.namespace}/configmaps`,
      list: async () => (await fx.core.listNamespacedConfigMap({ namespace: fx.namespace })) as unknown as { items: KubeObject[] },
    }, { listed: (items) => seenByListWatcher.push(`LISTED ${items.map((i) => i.metadata.name).join(',')}`), event: (type, o) => seenByListWatcher.push(`${type} ${o.metadata.name}`) },
    new k8s.Watch(fx.kc) as unknown as WatchStream, (line) => watchLog.push(line), { retryDelayMs: 250 });
    try {
      await listWatcher.firstList;
      // Some write the watches do not see: their resourceVersion is now older than the snapshot's.
      await fx.kubectl(['create', 'secret', 'generic', 'bump', '--from-literal=k=v']);
      const { stderr } = await restartClusterApiServer();
      console.log(`      restart: ${stderr.trim().split('\n').at(-1)}`);

      expect(await objects()).to.equal(objectsBefore);
      expect((await fx.kubectl(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim()).to.equal(clusterIp);
      expect(await podRecords(fx)).to.deep.equal(podsBefore);

      // Their resourceVersion is older than the restarted server's history (410 Gone): both list again...
      await waitFor('both watches from before to list again', 30_000, async () =>
        (seenByInformer.length === 2 && seenByListWatcher.length === 2 ? true : undefined));
      expect(seenByInformer).to.deep.equal(['SYNC before', 'SYNC before']);
      expect(seenByListWatcher).to.deep.equal(['LISTED before', 'LISTED before']);
      expect(watchLog.join('\n')).to.match(/^configmaps: resourceVersion \d+ is too old \(410 Gone\); listing them again$/m);
      // ... and the change made now reaches them as an event.
      await fx.kubectl(['create', 'configmap', 'after', '--from-literal=k=v']);
      await waitFor('ADDED after on both watches from before', 30_000, async () =>
        (seenByInformer.includes('ADDED after') && seenByListWatcher.includes('ADDED after') ? true : undefined));
      expect(seenByInformer.slice(2)).to.deep.equal(['ADDED after']);
      expect(seenByListWatcher.slice(2)).to.deep.equal(['ADDED after']);

      // The kubelet's watch came back: a pod made now starts; from it the old Service answers by name and
      // ClusterIP, and a Service made now by name (the node agent's DNS and kube-proxy relisted).
      await fx.kubectl(['apply', '-f', '-'], echoPod('late'));
      await waitForReady(fx, 'late');
      await fx.kubectl(['expose', 'pod', 'late', '--port', '81', '--target-port', '8080']);
      const curl = (url: string) => fx.kubectlResult(['exec', 'tools', '--', 'curl', '-sS', '--max-time', '3', url]);
      expect(JSON.parse((await curl(`http://web.${fx.namespace}.svc.cluster.local/x`)).stdout).path).to.equal('/x');
      expect(JSON.parse((await curl(`http://${clusterIp}/y`)).stdout).path).to.equal('/y');
      await waitFor('Service late by name', 30_000, async () => ((await curl('http://late:81/z')).stdout.includes('"/z"') ? true : undefined));
      // The tools pod's token was issued by the API server before the restart.
      const api = await fx.kubectl(['exec', 'tools', '--', 'sh', '-c', 'curl -sS --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt'
        + ' -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"'
        + ` https://kubernetes.default.svc/api/v1/namespaces/${fx.namespace}/configmaps/before -o /dev/null -w "%{http_code}"`]);
      expect(api).to.equal('200');
      expect((await fx.kubectl(['exec', 'tools', '--', 'cat', '/tmp/mark'])).trim()).to.equal('alive');

      // The kubelet has relisted (it started `late`): the pods from before are still the same containers.
      expect((await podRecords(fx)).filter((p) => p.name !== 'late')).to.deep.equal(podsBefore);
      expect(daemonPids()).to.deep.equal(pidsBefore);
    } finally {
      informer.stop();
      listWatcher.stop();
    }
  });
});
