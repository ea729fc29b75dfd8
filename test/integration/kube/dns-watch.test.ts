// watchClusterDns against an API server of its own (test/cluster/apiserver): the first lists, a Service
// created and deleted (each in the sink within 1 s), Endpoints that follow ready pods, a pod's hostname
// and subdomain, a watch cut in the middle (resumed from its resourceVersion, no relist), 410 Gone after
// the server's history moved past it (relisted), and a user forbidden cluster-wide (per namespace).
import { expect } from 'chai';
import { cuttableRelay } from '../../helpers/relay.js';

import type { KubeConfig } from '@kubernetes/client-node';

import { ClusterError } from '../../../src/errors.js';
import { loadClientNode } from '../../../src/kube/client-node.js';
import { watchClusterDns, type DnsEndpoints, type DnsPod, type DnsService, type DnsSink, type DnsWatch } from '../../../src/kube/dns-watch.js';
import { eventually, startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';

interface Call { at: number; call: string; arg: unknown }

/** A sink that records every call with the time it came. */
function recordingSink(): DnsSink & { calls: Call[]; since(i: number): string[] } {
  const calls: Call[] = [];
  const rec = (call: string) => (arg: unknown, ...rest: unknown[]) => calls.push({ at: Date.now(), call, arg: rest.length ? [arg, ...rest].join('/') : arg });
  return {
    calls,
    since: (i) => calls.slice(i).map((c) => `${c.call} ${typeof c.arg === 'string' ? c.arg : JSON.stringify(c.arg)}`),
    upsertService: rec('upsertService'), deleteService: rec('deleteService'),
    upsertEndpoints: rec('upsertEndpoints'), deleteEndpoints: rec('deleteEndpoints'),
    upsertPod: rec('upsertPod'), deletePod: rec('deletePod'), reset: rec('reset'),
  };
}

function waitCall(sink: ReturnType<typeof recordingSink>, from: number, what: string, pred: (c: Call) => boolean, ms = 5000): Promise<Call> {
  return eventually(what, () => sink.calls.slice(from).find(pred), ms);
}


/** The API server's kubeconfig, optionally through another port or with another user's token. */
async function kubeConfigOf(api: TestApiServer, edit: { port?: number; token?: string } = {}): Promise<KubeConfig> {
  const k8s = await loadClientNode();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const out = new k8s.KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, server: edit.port ? `https://127.0.0.1:${edit.port}` : cluster.server }],
    users: [{ ...user, token: edit.token ?? user.token }],
    contexts: [{ name: 'tp-local', cluster: cluster.name, user: user.name }],
    currentContext: 'tp-local',
  });
  return out;
}

const svcBody = (name: string, extra: object = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] }, ...extra });

describe('kube/dns-watch (in-process API server)', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let watch: DnsWatch | undefined;
  before(async () => {
    api = await startTestApiServer();
    for (const ns of ['team-a', 'team-b', 'team-c']) expect((await api.kubectl('create', 'namespace', ns)).exitCode).to.equal(0);
  });
  afterEach(() => { watch?.stop(); watch = undefined; });
  after(async () => api?.stopAll());

  const core = async (kubeConfig: KubeConfig) => kubeConfig.makeApiClient((await loadClientNode()).CoreV1Api);

  it('first lists, then a Service created and deleted within 1 s, Endpoints of ready pods, a pod with hostname and subdomain', async () => {
    const kubeConfig = await kubeConfigOf(api);
    const c = await core(kubeConfig);
    await c.createNamespacedService({ namespace: 'team-a', body: svcBody('before') });
    const sink = recordingSink();
    const log: string[] = [];
    watch = await watchClusterDns({ kubeConfig, context: 'tp-local' }, sink, { namespaces: ['team-a'], log: (l) => log.push(l) });
    expect([watch.mode, watch.reason, watch.endpointsApi, watch.namespaces]).to.deep.equal(['cluster-wide', undefined, 'endpoints', ['team-a']]);
    const first = sink.since(0);
    expect(first.filter((l) => l.startsWith('reset'))).to.deep.equal(['reset services', 'reset endpoints', 'reset pods']);
    expect(first).to.include('upsertService {"namespace":"team-a","name":"before","type":"ClusterIP","clusterIPs":'
      + `["${(await c.readNamespacedService({ namespace: 'team-a', name: 'before' })).spec!.clusterIP}"],"headless":false,"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}`);
    expect(first).to.include('upsertService {"namespace":"default","name":"kubernetes","type":"ClusterIP","clusterIPs":["10.130.0.1"],"headless":false,'
      + '"ports":[{"name":"https","port":443,"protocol":"TCP"}]}');
    expect(first).to.include('upsertEndpoints {"namespace":"default","service":"kubernetes","key":"kubernetes","addresses":[{"ip":"10.130.0.1","ready":true}],'
      + '"ports":[{"name":"https","port":443,"protocol":"TCP"}]}');

    // Created: in the sink within 1 s of the request (the API reports it before it answers).
    let from = sink.calls.length;
    let t0 = Date.now();
    const created = await c.createNamespacedService({ namespace: 'team-a', body: svcBody('web') });
    const up = await waitCall(sink, from, 'upsertService web', (x) => x.call === 'upsertService' && (x.arg as DnsService).name === 'web');
    expect(up.at - t0).to.be.lessThan(1000);
    expect(up.arg).to.deep.equal({ namespace: 'team-a', name: 'web', type: 'ClusterIP', clusterIPs: [created.spec!.clusterIP], headless: false,
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });

    // A pod of it with hostname and subdomain: the pod record, then Endpoints with its ready IP and hostname.
    from = sink.calls.length;
    await c.createNamespacedPod({ namespace: 'team-a', body: { metadata: { name: 'web-0', labels: { app: 'web' } },
      spec: { hostname: 'web-0', subdomain: 'web', containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 8080 }] }] } } });
    expect((await waitCall(sink, from, 'upsertPod web-0', (x) => x.call === 'upsertPod' && (x.arg as DnsPod).name === 'web-0')).arg)
      .to.deep.equal({ namespace: 'team-a', name: 'web-0', ips: [], hostname: 'web-0', subdomain: 'web' });
    expect(await api.markPodsReady('team-a')).to.equal(1);
    const pod = await c.readNamespacedPod({ namespace: 'team-a', name: 'web-0' });
    const podIp = pod.status!.podIP!;
    await waitCall(sink, from, 'upsertPod web-0 with its IP', (x) => x.call === 'upsertPod' && JSON.stringify(x.arg)
      === JSON.stringify({ namespace: 'team-a', name: 'web-0', ips: [podIp], hostname: 'web-0', subdomain: 'web' }));
    const ep = await waitCall(sink, from, 'Endpoints of web with the pod', (x) => x.call === 'upsertEndpoints'
      && (x.arg as DnsEndpoints).service === 'web' && (x.arg as DnsEndpoints).addresses.length > 0);
    expect(ep.arg).to.deep.equal({ namespace: 'team-a', service: 'web', key: 'web',
      addresses: [{ ip: podIp, ready: true, hostname: 'web-0', podName: 'web-0' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });

    // Deleted: gone from the sink within 1 s (its Endpoints go with it).
    from = sink.calls.length;
    t0 = Date.now();
    await c.deleteNamespacedService({ namespace: 'team-a', name: 'web' });
    const del = await waitCall(sink, from, 'deleteService web', (x) => x.call === 'deleteService');
    expect(del.at - t0).to.be.lessThan(1000);
    expect(del.arg).to.equal('team-a/web');
    await waitCall(sink, from, 'deleteEndpoints web', (x) => x.call === 'deleteEndpoints' && x.arg === 'team-a/web/web');
    from = sink.calls.length;
    await c.deleteNamespacedPod({ namespace: 'team-a', name: 'web-0', gracePeriodSeconds: 0 });
    await api.finishTerminatingPods('team-a');
    await waitCall(sink, from, 'deletePod web-0', (x) => x.call === 'deletePod' && x.arg === 'team-a/web-0');
    await c.deleteNamespacedService({ namespace: 'team-a', name: 'before' });
    expect(log).to.deep.equal([]);
  });

  /** A cluster-wide watch through a relay on `port` (quick retries), its sink and log, and where the sink stood. */
  async function watchThrough(port: number) {
    const kubeConfig = await kubeConfigOf(api, { port });
    const sink = recordingSink();
    const log: string[] = [];
    watch = await watchClusterDns({ kubeConfig, context: 'tp-local' }, sink, { namespaces: ['team-a'], log: (l) => log.push(l), retryDelayMs: 100, maxRetryDelayMs: 200 });
    return { sink, log, from: sink.calls.length };
  }

  it('a watch cut in the middle resumes from its resourceVersion (no relist) and catches up with what changed meanwhile', async () => {
    const relay = await cuttableRelay(api.port);
    try {
      const { sink, log, from } = await watchThrough(relay.port);
      await relay.cut();
      const c = await core(await kubeConfigOf(api));
      await c.createNamespacedService({ namespace: 'team-b', body: svcBody('while-cut') });
      await eventually('a broken watch in the log', () => log.some((l) => l.startsWith('dns: services: the watch broke: ')));
      await relay.restore();
      await waitCall(sink, from, 'upsertService while-cut', (x) => x.call === 'upsertService' && (x.arg as DnsService).name === 'while-cut');
      expect(sink.since(from).filter((l) => l.startsWith('reset'))).to.deep.equal([]);
      expect(log.find((l) => l.startsWith('dns: services: '))).to.match(/^dns: services: the watch broke: .+; watching again from resourceVersion \d+ in 0\.1 s$/);
      // '410 Gone', not '410': the relay's random port may hold those digits (41029 did).
      expect(log.filter((l) => l.includes('410 Gone') || l.includes('cannot list'))).to.deep.equal([]);
    } finally {
      await relay.close();
      // Deleted even when an assertion failed, so the next cases do not see it.
      const c = await core(await kubeConfigOf(api));
      await c.deleteNamespacedService({ namespace: 'team-b', name: 'while-cut' }).catch(() => undefined);
    }
  });

  it('410 Gone after the server\'s history moved past the watch\'s resourceVersion: every kind relisted (reset, then all)', async () => {
    const relay = await cuttableRelay(api.port);
    try {
      const { sink, log, from } = await watchThrough(relay.port);
      await relay.cut();
      const c = await core(await kubeConfigOf(api));
      await c.createNamespacedService({ namespace: 'team-b', body: svcBody('after-gone') });
      // The store keeps the last 10000 events: 10001 writes of another kind push our resourceVersion out.
      for (let i = 0; i < 10_001; i++) api.registry.store.add('/configmaps', { metadata: { namespace: 'team-c', name: `filler-${i}` } });
      await relay.restore();
      await eventually('relists of all three kinds', () => ['services', 'endpoints', 'pods'].every((k) => sink.since(from).includes(`reset ${k}`)));
      await waitCall(sink, from, 'upsertService after-gone', (x) => x.call === 'upsertService' && (x.arg as DnsService).name === 'after-gone');
      const after = sink.since(from);
      const reset = after.indexOf('reset services');
      expect(after.slice(reset + 1).filter((l) => l.startsWith('upsertService')).map((l) => JSON.parse(l.slice('upsertService '.length)).name).sort())
        .to.include.members(['after-gone', 'kube-dns', 'kubernetes']);
      for (const kind of ['services', 'endpoints', 'pods']) {
        expect(log.filter((l) => l.startsWith(`dns: ${kind}: resourceVersion `))).to.have.length(1);
        expect(log.find((l) => l.startsWith(`dns: ${kind}: resourceVersion `))).to.match(new RegExp(`^dns: ${kind}: resourceVersion \\d+ is too old \\(410 Gone\\); listing them again$`));
      }
    } finally {
      await relay.close();
      const c = await core(await kubeConfigOf(api));
      await c.deleteNamespacedService({ namespace: 'team-b', name: 'after-gone' }).catch(() => undefined);
    }
  });

  it('first lists that do not come within listTimeoutMs: a ClusterError naming each kind\'s failure, and nothing left running', async () => {
    const relay = await cuttableRelay(api.port);
    await relay.cut();
    try {
      const kubeConfig = await kubeConfigOf(api, { port: relay.port });
      const sink = recordingSink();
      const log: string[] = [];
      const err = await watchClusterDns({ kubeConfig, context: 'tp-local' }, sink, {
        namespaces: ['team-a'], log: (l) => log.push(l), listTimeoutMs: 500, retryDelayMs: 100, maxRetryDelayMs: 100, endpointsApi: 'endpoints',
      }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ClusterError);
      const refused = `connect ECONNREFUSED 127.0.0.1:${relay.port}`;
      expect((err as Error).message).to.equal(`cannot list the cluster's Services, Endpoints and Pods for DNS (context "tp-local") within 0.5 s: `
        + `services: ${refused}; endpoints: ${refused}; pods: ${refused}`);
      const logged = log.length;
      await relay.restore();
      await new Promise((r) => setTimeout(r, 400));
      expect([log.length, sink.calls.length]).to.deep.equal([logged, 0]);
    } finally {
      await relay.close();
    }
  });

  it('a user forbidden cluster-wide: per-namespace watches of the mapped namespaces, which follow setNamespaces', async () => {
    const admin = await core(await kubeConfigOf(api));
    for (const ns of ['team-a', 'team-b', 'team-c']) await admin.createNamespacedService({ namespace: ns, body: svcBody(`own-${ns}`) });
    const token = api.issueNamespacedUserToken('jane', ['team-a', 'team-b']);
    const kubeConfig = await kubeConfigOf(api, { token });
    const sink = recordingSink();
    const log: string[] = [];
    watch = await watchClusterDns({ kubeConfig, context: 'tp-local' }, sink, { namespaces: ['team-b', 'team-a'], log: (l) => log.push(l) });
    expect([watch.mode, watch.reason, watch.namespaces]).to.deep.equal(['per-namespace',
      'services is forbidden: User "jane" cannot list resource "services" in API group "" at the cluster scope', ['team-a', 'team-b']]);
    const services = () => sink.since(0).filter((l) => l.startsWith('upsertService')).map((l) => JSON.parse(l.slice('upsertService '.length)))
      .map((s: DnsService) => `${s.namespace}/${s.name}`).sort();
    expect(sink.since(0).slice(0, 3)).to.deep.equal(['reset services', 'reset endpoints', 'reset pods']);
    expect(services()).to.deep.equal(['team-a/own-team-a', 'team-b/own-team-b']);
    expect(log).to.deep.equal([]);

    // Events in a watched namespace arrive within 1 s.
    let from = sink.calls.length;
    const t0 = Date.now();
    await admin.createNamespacedService({ namespace: 'team-b', body: svcBody('later') });
    expect((await waitCall(sink, from, 'upsertService later', (x) => x.call === 'upsertService' && (x.arg as DnsService).name === 'later')).at - t0)
      .to.be.lessThan(1000);
    await waitCall(sink, from, 'upsertEndpoints later', (x) => x.call === 'upsertEndpoints' && (x.arg as DnsEndpoints).service === 'later');

    // team-b no longer mapped: its records go; team-c mapped, but forbidden to jane: said once.
    from = sink.calls.length;
    watch.setNamespaces(['team-a', 'team-c']);
    expect(watch.namespaces).to.deep.equal(['team-a', 'team-c']);
    expect(sink.since(from).sort()).to.deep.equal(['deleteEndpoints team-b/later/later', 'deleteEndpoints team-b/own-team-b/own-team-b',
      'deleteService team-b/later', 'deleteService team-b/own-team-b']);
    await eventually('the team-c refusal in the log', () => log.length > 0);
    expect(log).to.deep.equal(['dns: cannot list in namespace team-c (services is forbidden: User "jane" cannot list resource "services" '
      + 'in API group "" in the namespace "team-c"): its names do not resolve']);
    from = sink.calls.length;
    await admin.createNamespacedService({ namespace: 'team-b', body: svcBody('unwatched') });
    await admin.createNamespacedService({ namespace: 'team-a', body: svcBody('watched') });
    await waitCall(sink, from, 'upsertService watched', (x) => x.call === 'upsertService' && (x.arg as DnsService).name === 'watched');
    expect(sink.since(from).filter((l) => l.includes('unwatched'))).to.deep.equal([]);
  });
});
