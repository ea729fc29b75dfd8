// The teleproxy method against the local cluster: the workstation's resolver answers the cluster's names
// from a watch of Services, Endpoints and Pods — short name, name.ns and FQDN reach a Service; a Service
// created or deleted during the session shows within a second; headless Services, StatefulSet pods,
// ExternalName, SRV and PTR; not one question reaches the cluster's DNS server; the host as before.
import { expect } from 'chai';
import { promises as dns } from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE } from '../helpers/pods.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';
import { echoService, labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useStagedVpn, type HostState } from './host-state.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

const CLUSTER_DNS_LOG = '/run/tp-cluster/cluster-dns.log';
const queries = () => (fs.existsSync(CLUSTER_DNS_LOG) ? fs.readFileSync(CLUSTER_DNS_LOG, 'utf8').split('\n').filter(Boolean).length : 0);

/** getent's addresses for a name ([] when it does not resolve), as any program of the workstation sees them. */
async function getent(name: string): Promise<string[]> {
  const r = await execa('getent', ['ahostsv4', name], { reject: false });
  return [...new Set(String(r.stdout).split('\n').filter((l) => l.includes('STREAM')).map((l) => l.split(/\s+/)[0]!))].sort();
}

/** Milliseconds until `check` holds, asking every 20 ms (getent each time), from `since`. */
async function msUntil(since: number, check: () => Promise<boolean>, what: string): Promise<number> {
  await waitFor(what, 10_000, async () => ((await check()) ? true : undefined), 20);
  return Date.now() - since;
}

function statefulSet(name: string): string {
  return JSON.stringify({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
    spec: { serviceName: name, replicas: 2, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never',
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } } } });
}

describe('the teleproxy method (e2e, root: the workstation resolver answers from a watch)', function () {
  this.timeout(300_000);
  const fx = useSharedFixture('tp-e2e-tproxy');
  let echo: { podIp: string; clusterIp: string };
  let web: Record<string, string>;

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    echo = await echoService(fx, 'echo');
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] } }));
    await fx.kubectl(['apply', '-f', '-'], statefulSet('web'));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' },
      spec: { type: 'ExternalName', externalName: `echo.${fx.namespace}.svc.cluster.local` } }));
    web = await waitFor('both StatefulSet pods ready', 120_000, async () => {
      const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=web' })).items;
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 2 ? Object.fromEntries(ready.map((p) => [p.metadata!.name!, p.status!.podIP!])) : undefined;
    });
  });

  it('answers every kind of cluster name on the workstation and follows Services created and deleted; the cluster DNS gets no query', async () => {
    const dir = tmpDir();
    const before = await hostState();
    // The query log counts: a pod's look-up shows in it (so an unchanged count below means something).
    const logged = queries();
    await fx.kubectl(['exec', 'echo', '--', 'getent', 'hosts', 'echo']);
    await waitFor('the pod look-up in the cluster DNS log', 10_000, async () => (queries() > logged ? true : undefined));
    const asked = queries();
    const ns = fx.namespace;
    const { child, stderr } = await launchedSession(['--method', 'teleproxy', '--namespace', ns, '--logfile', path.join(dir, 'tp.log'), '--run', 'sleep', '305']);
    try {
      expect(stderr()).to.match(/^T: DNS answers from a cluster-wide watch of Services, Endpoints and Pods \(cluster domain cluster\.local\)$/m);
      // curl by short name, name.ns and FQDN (the host's own resolver path: resolv.conf names our server).
      for (const host of ['echo', `echo.${ns}`, `echo.${ns}.svc.cluster.local`]) {
        const r = await execa('curl', ['-sS', '--max-time', '20', `http://${host}:8080/${host}`]);
        expect((JSON.parse(String(r.stdout)) as { path: string }).path).to.equal(`/${host}`);
      }
      // Headless: the ready pods' IPs; a StatefulSet pod by its own name.
      expect(await getent(`web.${ns}.svc.cluster.local`)).to.deep.equal(Object.values(web).sort());
      expect(await getent(`web-0.web.${ns}.svc.cluster.local`)).to.deep.equal([web['web-0']]);
      // Straight to our server for the record types getent does not show.
      const ours = new dns.Resolver();
      ours.setServers(['127.0.0.153']);
      expect(await ours.resolveCname(`ext.${ns}.svc.cluster.local`)).to.deep.equal([`echo.${ns}.svc.cluster.local`]);
      expect(await ours.resolveSrv(`_http._tcp.echo.${ns}.svc.cluster.local`)).to.deep.equal([
        { name: `echo.${ns}.svc.cluster.local`, port: 8080, priority: 0, weight: 100 },
      ]);
      expect(await ours.reverse(echo.clusterIp)).to.deep.equal([`echo.${ns}.svc.cluster.local`]);
      const reverse = await execa('getent', ['hosts', echo.clusterIp]);
      expect(String(reverse.stdout).split(/\s+/).slice(0, 2)).to.deep.equal([echo.clusterIp, `echo.${ns}.svc.cluster.local`]);

      // A Service created now: the name answers within a second of the API's reply.
      expect(await getent(`late.${ns}`)).to.deep.equal([]);
      await fx.kubectl(['create', 'service', 'clusterip', 'late', '--tcp=80:80']);
      const created = Date.now();
      const lateIp = (await fx.kubectl(['get', 'service', 'late', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
      const shownMs = await msUntil(created, async () => (await getent(`late.${ns}`)).includes(lateIp), 'the new Service to resolve');
      await fx.kubectl(['delete', 'service', 'late', '--wait=false']);
      const deleted = Date.now();
      const goneMs = await msUntil(deleted, async () => (await getent(`late.${ns}`)).length === 0, 'the deleted Service to stop resolving');
      console.log(`      a new Service resolved ${shownMs} ms after the API created it; a deleted one stopped in ${goneMs} ms`);
      expect(shownMs, `created -> resolves: ${shownMs} ms`).to.be.below(1000);
      expect(goneMs, `deleted -> stops: ${goneMs} ms`).to.be.below(1000);
      expect(queries(), 'questions the cluster DNS server got during the session').to.equal(asked);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(await hostState()).to.deep.equal(before);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('beside a VPN that routes 10.0.0.0/8 on the host', () => {
    let initial: HostState;
    useStagedVpn('tpvpntp', '10.0.0.1/8', async () => { initial = await hostState(); });

    it('VNATs as vpn-tcp does: the table\'s answers become virtual IPs, which reach the Service', async () => {
      const dir = tmpDir();
      const r = await telepresence(['--method', 'teleproxy', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log'), '--run', 'sh', '-c',
        'getent hosts echo; curl -sS --max-time 20 http://echo:8080/vnat; echo; echo "env=$ECHO_SERVICE_HOST"']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const [hosts, body, env] = r.stdout.trim().split('\n');
      const virtual = /^(246\.246\.0\.\d+)\s+echo/.exec(hosts!)?.[1];
      expect(virtual, hosts).to.be.a('string');
      expect((JSON.parse(body!) as { path: string }).path).to.equal('/vnat');
      // The environment's ClusterIP is translated to the same virtual IP the name resolved to.
      expect(env).to.equal(`env=${virtual}`);
      expect(await hostState()).to.deep.equal(initial);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
