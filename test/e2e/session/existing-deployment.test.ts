// --deployment against the local cluster: a Deployment of the proxy image that users share serves a
// session without being changed or restarted, the session's key line is in its sshd only while the
// session lives (and a SIGKILLed session's line is removed by the next run); a pod of another pod
// protocol, a missing Deployment and an --expose below 1024 on a non-root pod are refused in one line.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type * as k8s from '@kubernetes/client-node';

import { packageVersion } from '../../../src/config/version.js';
import type { SessionRecord } from '../../../src/session/journal.js';
import { useCluster, waitFor, type ClusterFixture } from '../helpers/cluster.js';
import { runScript } from '../helpers/pods.js';
import { buildProxyVariant, ensureProxyImage } from '../helpers/proxy-image.js';
import { freePort } from '../../helpers/ports.js';
import { echoService, labelledTelepresence, PROXY_IMAGE } from '../kube/fixtures.js';
import { errorLines, startTelepresence, telepresence, tmpDir } from './run.js';

/** The proxy image with a telepresence-podinfo that answers pod protocol 2 (a later release's pod). */
const V2_IMAGE = 'telepresence-test/proxy-protocol-2:dev';
const KEYS = '/home/telepresence/.ssh/authorized_keys';
const V = packageVersion();

/** A Deployment of `image` as a user would write it (README): no key in its env; `root`: the privileged variant. */
function proxyDeploymentYaml(name: string, image: string, root = false): string {
  return JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: {
      ...(root ? { securityContext: { runAsUser: 0, runAsNonRoot: false } } : {}),
      containers: [{ name: 'telepresence', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8022 }],
        readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] } } } });
}

async function readyPodOf(fx: ClusterFixture, app: string): Promise<k8s.V1Pod> {
  return waitFor(`a ready pod of Deployment ${app}`, 90_000, async () => {
    const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: `app=${app}` })).items;
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return pods.length === 1 && ready.length === 1 ? ready[0] : undefined;
  });
}

/** What must not change: the pod (same name and uid, no restart) and the Deployment's spec. */
async function podState(fx: ClusterFixture, app: string): Promise<string> {
  const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: `app=${app}` })).items;
  const d = await fx.apps.readNamespacedDeployment({ name: app, namespace: fx.namespace });
  return JSON.stringify({ generation: d.metadata?.generation, pods: pods.map((p) => [p.metadata?.name, p.metadata?.uid,
    p.status?.containerStatuses?.map((c) => c.restartCount)]) });
}

describe('--deployment: an existing Deployment of the proxy image (e2e, inject-tcp)', function () {
  this.timeout(240_000);
  const fx = useCluster();
  let dir: string;
  // (execa drops the last newline of kubectl's output)
  const keys = (pod: string) => fx.kubectl(['exec', pod, '-c', 'telepresence', '--', 'cat', KEYS]);
  // A journal directory of the test's own: the next run repairs this test's dead sessions only.
  const env = () => ({ XDG_CACHE_HOME: path.join(dir, 'cache') });
  const base = () => ['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')];

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    await buildProxyVariant(V2_IMAGE, 'protocol-2');
  });
  after(async () => { await execa('docker', ['rmi', V2_IMAGE], { reject: false }); });
  beforeEach(() => { dir = tmpDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reaches a Service through the pod, which is not restarted; the key line is there only during the session', async () => {
    await echoService(fx, 'echo');
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('it', PROXY_IMAGE));
    const pod = await readyPodOf(fx, 'it');
    const name = pod.metadata!.name!;
    const before = await podState(fx, 'it');
    expect(await keys(name)).to.equal('');
    const done = path.join(dir, 'done');
    const child = startTelepresence([...base(), '--deployment', 'it', '--run', 'sh', '-c',
      `curl -sS --max-time 20 http://echo:8080/existing; echo; while [ ! -e ${done} ]; do sleep 0.2; done`], env());
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    let during = '';
    try {
      await waitFor('the curl through the session', 120_000, () => (out.includes('\n') || child.exitCode !== null ? true : undefined));
      during = await keys(name);
    } finally {
      fs.writeFileSync(done, '');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect((JSON.parse(out.trim()) as { path: string; pod: string })).to.include({ path: '/existing', pod: 'echo' });
    expect(during).to.match(/^ssh-ed25519 [A-Za-z0-9+/]+=* telepresence-[0-9a-f]{12}$/);
    expect(await keys(name)).to.equal('');
    expect(await podState(fx, 'it')).to.equal(before);
    const progress = String(r.stderr).split('\n').filter((l) => l.startsWith('T: '));
    expect(progress).to.include.members([
      `T: Using the existing Deployment it in namespace ${fx.namespace}`,
      'T: Waiting for a pod of Deployment it',
      `T: Pod ${name} is ready (IP ${pod.status!.podIP})`,
      `T: Authorizing this session's key for telepresence in pod ${name}`,
    ]);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('refuses a pod of pod protocol 2 in one line, naming both versions and the image to run, and changes nothing', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('old', V2_IMAGE));
    const name = (await readyPodOf(fx, 'old')).metadata!.name!;
    const before = await podState(fx, 'old');
    const r = await telepresence([...base(), '--deployment', 'old', '--run', 'true'], env());
    expect(errorLines(r.stderr)).to.deep.equal([`telepresence: error: the proxy image ${V2_IMAGE} speaks pod protocol 2, this telepresence ${V} speaks 1: `
      + `use the telepresence release that image belongs to, or run ${PROXY_IMAGE} in Deployment old `
      + `(kubectl set image deployment/old telepresence=${PROXY_IMAGE} -n ${fx.namespace}), `
      + `built with proxy-pod/build.sh (add --tag REGISTRY/telepresence/proxy:${V} --push for a cluster that pulls from a registry)`]);
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.not.contain('Authorizing');
    expect(await keys(name)).to.equal('');
    expect(await podState(fx, 'old')).to.equal(before);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('refuses a missing Deployment, and --expose of port 80 on a pod that runs as uid 1000, in one line each', async () => {
    const missing = await telepresence([...base(), '--deployment', 'nope', '--run', 'true'], env());
    expect(errorLines(missing.stderr)).to.deep.equal([`telepresence: error: Deployment "nope" not found in namespace "${fx.namespace}": `
      + 'deploy the proxy image as nope there first (README: --deployment), or let telepresence make one with --new-deployment nope']);
    expect(missing.exitCode).to.equal(255);
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('it', PROXY_IMAGE));
    const name = (await readyPodOf(fx, 'it')).metadata!.name!;
    const r = await telepresence([...base(), '--deployment', 'it', '--expose', '8081:80', '--run', 'true'], env());
    expect(errorLines(r.stderr)).to.deep.equal([`telepresence: error: --expose: port 80 is below 1024, but pod ${name} of Deployment it runs as uid 1000, `
      + 'not root, so its sshd cannot listen there: expose remote ports of 1024 or more, or run Deployment it as root (securityContext runAsUser: 0)']);
    expect(r.exitCode).to.equal(1);
    expect(await keys(name)).to.equal('');
  });

  it('a pod that runs as root: the session logs in as root and port 80 of the pod reaches the workstation', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('root', PROXY_IMAGE, true));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'root' },
      spec: { selector: { app: 'root' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] } }));
    const name = (await readyPodOf(fx, 'root')).metadata!.name!;
    const rootKeys = () => fx.kubectl(['exec', name, '-c', 'telepresence', '--', 'cat', '/root/.ssh/authorized_keys']);
    expect(await rootKeys()).to.equal('');
    const port = await freePort();
    // The workstation's server answers one request, then the session ends.
    const server = `require('http').createServer((q,r)=>r.end('workstation '+q.url,()=>process.exit(0))).listen(${port},'127.0.0.1')`;
    const session = startTelepresence([...base(), '--deployment', 'root', '--expose', `${port}:80`, '--run', process.execPath, '-e', server], env());
    const log = await runScript(fx, 'client', 'curl -sS --retry 60 --retry-delay 1 --retry-all-errors --max-time 5 http://root:80/low').catch(async (err: unknown) => {
      session.kill('SIGTERM');
      throw new Error(`${String(err)}\nsession: ${String((await session).stderr)}`);
    });
    const r = await session;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(log.split('\n').filter((l) => l && !l.startsWith('curl: '))).to.deep.equal(['workstation /low']);
    expect(String(r.stderr).split('\n')).to.include(`T: Authorizing this session's key for root in pod ${name}`);
    expect(await rootKeys()).to.equal('');
  });

  it("removes a SIGKILLed session's key line on the next run, and says so", async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('it', PROXY_IMAGE));
    const name = (await readyPodOf(fx, 'it')).metadata!.name!;
    const journalDir = path.join(dir, 'cache', 'telepresence', 'sessions');
    const child = startTelepresence([...base(), '--deployment', 'it', '--run', 'sleep', '300'], env());
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const record = await waitFor('the session to launch its command', 120_000, () => {
      if (child.exitCode !== null) throw new Error(`the session ended: ${stderr}`);
      const [file] = fs.existsSync(journalDir) ? fs.readdirSync(journalDir).filter((n) => n.endsWith('.json')) : [];
      return file && stderr.includes('Setup complete') ? JSON.parse(fs.readFileSync(path.join(journalDir, file), 'utf8')) as SessionRecord : undefined;
    });
    expect(record.entries.map((e) => e.kind)).to.include('pod-authorized-key');
    const line = await keys(name);
    expect(line).to.match(new RegExp(`^ssh-ed25519 \\S+ telepresence-${record.sessionId}$`));
    // The session's processes, found before the kill (by parent pid), are stopped after it, one by one.
    const descendants = async (pid: number): Promise<number[]> => {
      const kids = String((await execa('pgrep', ['-P', String(pid)], { reject: false })).stdout).split('\n').filter(Boolean).map(Number);
      return [...kids, ...(await Promise.all(kids.map(descendants))).flat()];
    };
    const left = await descendants(record.pid);
    process.kill(record.pid, 'SIGKILL');
    // (they hold the session's output open, so the child's end is awaited after)
    for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ } }
    await child;
    expect(await keys(name)).to.equal(line);
    const next = await telepresence([...base(), '--deployment', 'it', '--run', 'true'], env());
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stderr.split('\n')).to.include(`T: Repaired: removed the key of an earlier session (pid ${record.pid}, started ${record.started}) `
      + `from pod ${name} of Deployment it in namespace ${fx.namespace}`);
    expect(await keys(name)).to.equal('');
  });
});
