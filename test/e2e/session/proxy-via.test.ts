// --proxy-via with the real CLI against the local test cluster (vpn-tcp, teleproxy, the container method):
// the echo Service sees a pod of Deployment client-app as the caller and client-app's hostAliases name
// reaches its listener on 127.0.0.5; with --vnat instead (no relay) the same commands fail as the user sees
// them. After the session the relay is terminated, the workload's pods unchanged, journal and host as before;
// after a SIGKILL the next run stops the relay; a missing workload is one line.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { ECHO_IMAGE } from '../helpers/pods.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';
import { clientApp, echoService, labelledTelepresence } from '../kube/fixtures.js';
import { hostState } from './host-state.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

/** curl the echo Service (JSON naming the caller), then client-app's mesh name on its loopback listener. */
const COMMANDS = 'curl -sS --max-time 15 http://echo:8080/from-the-session; echo; curl -sS --max-time 15 http://mesh-local.test:7070/ 2>&1; echo; echo "exit=$?"';

describe('--proxy-via (e2e, root: connections and names from a pod of the workload)', function () {
  this.timeout(180_000);
  const fx = useSharedFixture('tp-e2e-pvia');
  let clientPod: { name: string; ip: string };

  before(async function () {
    this.timeout(300_000);
    await ensureProxyImage();
    await echoService(fx, 'echo');
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify(clientApp()));
    await fx.kubectl(['rollout', 'status', 'deployment/client-app', '--timeout=90s']);
    const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=client-app' })).items;
    clientPod = { name: pods[0]!.metadata!.name!, ip: pods[0]!.status!.podIP! };
  });

  async function clientAppPods(): Promise<string[]> {
    const pods = await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: 'app=client-app' });
    return pods.items.map((p) => `${p.metadata!.name} ${p.metadata!.uid} restarts=${(p.status?.containerStatuses ?? []).map((c) => c.restartCount).join(',')}`).sort();
  }

  /** One session running COMMANDS, with a journal directory of its own. */
  async function session(routing: string[], method = 'vpn-tcp', run = ['--run', 'sh', '-c', COMMANDS]) {
    const dir = tmpDir();
    const logfile = path.join(dir, 'tp.log');
    const r = await telepresence(['--method', method, '--namespace', fx.namespace, ...routing, '--logfile', logfile, ...run],
      { XDG_CACHE_HOME: dir });
    const [echoLine, meshLine] = r.stdout.split('\n');
    const journals = fs.existsSync(path.join(dir, 'telepresence/sessions')) ? fs.readdirSync(path.join(dir, 'telepresence/sessions')) : [];
    return { ...r, echo: JSON.parse(echoLine!) as { path: string; client: { address: string } }, meshLine, log: fs.readFileSync(logfile, 'utf8'), journals, dir };
  }

  it('--proxy-via 10.130.0.0/16=client-app and 127.0.0.0/8=client-app: the caller is client-app\'s pod, its mesh name reaches its 127.0.0.5 listener; nothing restarts', async () => {
    const before = await hostState();
    const pods = await clientAppPods();
    const r = await session(['--proxy-via', '10.130.0.0/16=client-app', '--proxy-via', '127.0.0.0/8=client-app']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`T: --proxy-via: connections to 10.130.0.0/16, 127.0.0.0/8 leave from pod ${clientPod.name} (Deployment client-app) through an ephemeral relay container\n`);
    expect(r.echo.path).to.equal('/from-the-session');
    expect(r.echo.client.address).to.equal(clientPod.ip);
    expect(r.meshLine).to.equal(`loopback-only listener of ${clientPod.name}`);
    // The name resolved in the pod (its /etc/hosts) to 127.0.0.5, handed out as a virtual IP.
    const meshDns = r.log.split('\n').filter((l) => l.includes('mesh-local')).join('\n');
    expect(meshDns).to.match(/dns: A mesh-local\.test\.? -> NOERROR 246\.246\.\d+\.\d+ \(workstation, asked of the --proxy-via relay first, lookup\)/);

    const container = /Adding the --proxy-via relay \(container (telepresence-relay-[0-9a-f]+), port 9056\)/.exec(r.log)?.[1];
    expect(container, 'the relay container in the log').to.be.a('string');
    const pod = await fx.core.readNamespacedPod({ name: clientPod.name, namespace: fx.namespace });
    const status = pod.status?.ephemeralContainerStatuses?.find((c) => c.name === container);
    expect(status?.state?.terminated, JSON.stringify(status)).to.include({ exitCode: 0 });
    expect(pod.spec!.containers.map((c) => c.name)).to.deep.equal(['echo', 'loopback']);
    expect(await clientAppPods()).to.deep.equal(pods);
    expect(r.journals).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(before);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it('teleproxy: the table names the Service, the relay the mesh name; both connections leave from client-app\'s pod', async () => {
    const r = await session(['--proxy-via', '10.130.0.0/16=client-app', '--proxy-via', '127.0.0.0/8=client-app'], 'teleproxy');
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.echo.client.address).to.equal(clientPod.ip);
    expect(r.meshLine).to.equal(`loopback-only listener of ${clientPod.name}`);
    expect(r.log).to.include(`teleproxy: --proxy-via: names are resolved in pod ${clientPod.name} (Deployment client-app) (the watched table first; A questions of cluster names it does not know by the relay's RESOLVE)`);
    expect(r.journals).to.deep.equal([]);
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it('the container method: the user\'s container gets the same (its names through the session\'s resolver, its connections through the relay)', async () => {
    const r = await session(['--proxy-via', '10.130.0.0/16=client-app', '--proxy-via', '127.0.0.0/8=client-app'], 'container',
      ['--docker-run', '--rm', ECHO_IMAGE, 'sh', '-c', COMMANDS]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.echo.client.address).to.equal(clientPod.ip);
    expect(r.meshLine).to.equal(`loopback-only listener of ${clientPod.name}`);
    expect(r.journals).to.deep.equal([]);
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it('the same with --vnat (no relay): the caller is the proxy pod, and the mesh name does not resolve', async () => {
    const r = await session(['--vnat', '10.130.0.0/16', '--vnat', '127.0.0.0/8']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const proxyIp = /^T: Pod \S+ is ready \(IP ([\d.]+)\)$/m.exec(r.stderr)?.[1];
    expect(proxyIp, r.stderr).to.be.a('string');
    expect(r.echo.client.address).to.equal(proxyIp);
    expect(r.echo.client.address).to.not.equal(clientPod.ip);
    expect(r.meshLine).to.equal('curl: (6) Could not resolve host: mesh-local.test');
    expect(r.stderr).to.not.include('--proxy-via');
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it('after a SIGKILL the relay keeps running; the next run stops it from the journal and says so', async () => {
    const before = await hostState();
    const dir = tmpDir();
    const journalDir = path.join(dir, 'telepresence/sessions');
    const env = { XDG_CACHE_HOME: dir };
    const { child } = await launchedSession(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--proxy-via', '10.130.0.0/16=client-app',
      '--logfile', path.join(dir, 'tp.log'), '--run', 'sh', '-c', `echo $$ > ${dir}/user.pid; exec sleep 300`], env);
    const [name] = fs.readdirSync(journalDir);
    const record = JSON.parse(fs.readFileSync(path.join(journalDir, name!), 'utf8')) as { pid: number; entries: { kind: string; data: { pod: string; container: string } }[] };
    const relay = record.entries.find((e) => e.kind === 'proxy-via-relay')!.data;
    expect(relay.pod).to.equal(clientPod.name);
    process.kill(record.pid, 'SIGKILL');
    process.kill(Number(fs.readFileSync(path.join(dir, 'user.pid'), 'utf8')), 'SIGKILL'); // it holds the session's output open
    await child;
    const status = async () => (await fx.core.readNamespacedPod({ name: relay.pod, namespace: fx.namespace })).status?.ephemeralContainerStatuses?.find((c) => c.name === relay.container);
    expect((await status())?.state?.running, 'the relay outlives the killed session').to.not.equal(undefined);

    const next = await telepresence(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp2.log'), '--run', 'true'], env);
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stderr).to.match(new RegExp(`^T: Repaired: stopped the --proxy-via relay of an earlier session \\(pid ${record.pid}, started [^)]+\\) in pod ${relay.pod} of Deployment client-app in namespace ${fx.namespace}$`, 'm'));
    expect((await status())?.state?.terminated).to.include({ exitCode: 0 });
    expect(fs.readdirSync(journalDir)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(before);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a workload that is not there: one line naming it, exit 255, nothing left', async () => {
    const before = await hostState();
    const dir = tmpDir();
    const r = await telepresence(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--proxy-via', '10.130.0.0/16=nothing-here',
      '--logfile', path.join(dir, 'tp.log'), '--run', 'true'], { XDG_CACHE_HOME: dir });
    expect(r.exitCode).to.equal(255);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('telepresence: '))).to.deep.equal([
      `telepresence: error: --proxy-via: no Deployment, ReplicaSet or StatefulSet "nothing-here" in namespace "${fx.namespace}": name one there (kubectl get deployments,replicasets,statefulsets -n ${fx.namespace}), or use --namespace`,
    ]);
    expect(fs.existsSync(path.join(dir, 'telepresence/sessions')) ? fs.readdirSync(path.join(dir, 'telepresence/sessions')) : []).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(before);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
