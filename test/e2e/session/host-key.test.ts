// Host key pinning against the local cluster: a proxy pod whose sshd shows another key than the one it
// published (the API path's answer) is refused with the one line and exit 255, for each kind of proxy
// pod — a new Deployment and a swap's copy (an image whose published .pub is another key's) and an
// existing Deployment (its .pub swapped in the running pod) — and nothing is left: no objects, no key
// line, the swapped Deployment restored, no journal, no port-forward. Normal sessions: the other e2e files.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type * as k8s from '@kubernetes/client-node';

import { POD_HOST_KEY_FILE } from '../../../src/protocol/index.js';
import { useCluster, waitFor, type ClusterFixture } from '../helpers/cluster.js';
import { ECHO_IMAGE } from '../helpers/pods.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { labelledTelepresence, PROXY_IMAGE } from '../kube/fixtures.js';
import { errorLines, telepresence, tmpDir } from './run.js';

/** The proxy image with a host key pair baked in whose .pub is ANOTHER key's: sshd shows A, the pod publishes B. */
const WRONG_KEY_IMAGE = 'telepresence-test/proxy-wrong-host-key:dev';
const KEY_DIR = path.posix.dirname(POD_HOST_KEY_FILE);

const mismatchLine = (pod: string, expected: string, got: string) => `telepresence: error: the proxy pod's SSH host key did not match (pod ${pod}: `
  + `expected ${expected}, got ${got}): the connection is not to the pod this session started; try again, and if it repeats, `
  + "check what is listening on the session's kubectl port-forward";

async function fingerprintOf(pubFile: string): Promise<string> {
  return (await execa('ssh-keygen', ['-l', '-f', pubFile])).stdout.split(' ')[1]!;
}

/** The pod named by the session's `T: Pod NAME is ready` line. */
function readyPod(stderr: string): string {
  const m = /^T: Pod (\S+) is ready \(IP /m.exec(stderr);
  if (!m) throw new Error(`no "Pod ... is ready" line in: ${stderr}`);
  return m[1]!;
}

/** kubectl port-forward processes to `pod/NAME` that are still running. */
async function portForwardsTo(pod: string): Promise<string[]> {
  const r = await execa('pgrep', ['-a', '-f', `port-forward --address 127.0.0.1 pod/${pod}`], { reject: false });
  return String(r.stdout).split('\n').filter(Boolean);
}

async function readyPodOf(fx: ClusterFixture, app: string): Promise<k8s.V1Pod> {
  return waitFor(`a ready pod of Deployment ${app}`, 90_000, async () => {
    const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: `app=${app}` })).items;
    const ready = pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return pods.length === ready.length && ready.length >= 1 ? ready[0] : undefined;
  });
}

describe('a proxy pod with another SSH host key is refused (e2e, inject-tcp)', function () {
  this.timeout(240_000);
  const fx = useCluster();
  let keys: string;
  let shownFp: string;
  let publishedFp: string;
  let dir: string;
  const journal = () => path.join(dir, 'cache', 'telepresence', 'sessions');
  const env = (image = PROXY_IMAGE) => ({ XDG_CACHE_HOME: path.join(dir, 'cache'), TELEPRESENCE_PROXY_IMAGE: image });
  const base = () => ['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')];

  /** The refusal: the one line, exit 255, and nothing of the session left on the host or in the cluster. */
  async function expectRefused(r: { exitCode: number; stderr: string }, expected: string, got: string): Promise<string> {
    const pod = readyPod(r.stderr);
    expect(errorLines(r.stderr)).to.deep.equal([mismatchLine(pod, expected, got)]);
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.not.contain('Setup complete');
    expect(fs.existsSync(journal()) ? fs.readdirSync(journal()) : []).to.deep.equal([]);
    expect(await portForwardsTo(pod)).to.deep.equal([]);
    expect(fs.readFileSync(path.join(dir, 'tp.log'), 'utf8')).to.contain(`proxy pod ${pod}: SSH host key ${expected} (pinned)`);
    return pod;
  }

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    keys = tmpDir();
    const ssh = path.join(keys, 'ssh');
    fs.mkdirSync(ssh, { mode: 0o700 });
    for (const k of ['shown', 'published']) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', path.join(keys, k)]);
    fs.copyFileSync(path.join(keys, 'shown'), path.join(ssh, 'ssh_host_ed25519_key'));
    fs.copyFileSync(path.join(keys, 'published.pub'), path.join(ssh, 'ssh_host_ed25519_key.pub'));
    fs.chmodSync(path.join(ssh, 'ssh_host_ed25519_key'), 0o600);
    fs.chmodSync(ssh, 0o700);
    shownFp = await fingerprintOf(path.join(keys, 'shown.pub'));
    publishedFp = await fingerprintOf(path.join(keys, 'published.pub'));
    expect(shownFp).to.not.equal(publishedFp);
    fs.writeFileSync(path.join(keys, 'Dockerfile'), `FROM ${PROXY_IMAGE}\nCOPY --chown=1000:1000 ssh ${KEY_DIR}\n`);
    await execa('docker', ['build', '-q', '-t', WRONG_KEY_IMAGE, keys]);
  });
  after(async () => {
    await execa('docker', ['rmi', WRONG_KEY_IMAGE], { reject: false });
    if (keys) fs.rmSync(keys, { recursive: true, force: true });
  });
  beforeEach(() => { dir = tmpDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--new-deployment: refused with the line, exit 255; the Deployment is deleted', async () => {
    const r = await telepresence([...base(), '--new-deployment', 'wrongkey', '--run', 'true'], env(WRONG_KEY_IMAGE));
    await expectRefused(r, publishedFp, shownFp);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    expect((await fx.kubectl(['get', 'deployments', '-o', 'name'])).trim()).to.equal('');
  });

  it('--swap-deployment: refused with the line, exit 255; the Deployment is back as it was', async () => {
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'echo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'echo' } }, template: { metadata: { labels: { app: 'echo' } }, spec: {
        containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } } },
    }));
    await readyPodOf(fx, 'echo');
    const r = await telepresence([...base(), '--swap-deployment', 'echo', '--run', 'true'], env(WRONG_KEY_IMAGE));
    await expectRefused(r, publishedFp, shownFp);
    const d = await fx.apps.readNamespacedDeployment({ name: 'echo', namespace: fx.namespace });
    expect([d.spec?.replicas, Object.keys(d.metadata?.annotations ?? {}).filter((a) => a.startsWith('telepresence.io/'))]).to.deep.equal([1, []]);
    await waitFor('the swap copy to be gone', 60_000, async () => ((await labelledTelepresence(fx)).length === 0 ? true : undefined));
    expect((await fx.kubectl(['get', 'leases', '-o', 'name'])).trim()).to.equal('');
    expect((await readyPodOf(fx, 'echo')).spec!.containers[0]!.image).to.equal(ECHO_IMAGE);
  });

  it('--deployment: a running pod whose published key is swapped is refused with the line; its key line is removed', async () => {
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shared' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'shared' } }, template: { metadata: { labels: { app: 'shared' } }, spec: {
        containers: [{ name: 'telepresence', image: PROXY_IMAGE, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8022 }],
          readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] } } },
    }));
    const pod = (await readyPodOf(fx, 'shared')).metadata!.name!;
    const inPod = (args: string[], input?: string) => fx.kubectl(['exec', ...(input === undefined ? [] : ['-i']), pod, '-c', 'telepresence', '--', ...args], input);
    // The key its sshd shows, by its own file, then the published file replaced by another key's.
    const podFp = (await inPod(['ssh-keygen', '-l', '-f', POD_HOST_KEY_FILE])).split(' ')[1]!;
    await inPod(['sh', '-c', `cat > ${POD_HOST_KEY_FILE}`], fs.readFileSync(path.join(keys, 'published.pub'), 'utf8'));
    const r = await telepresence([...base(), '--deployment', 'shared', '--run', 'true'], env());
    expect(await expectRefused(r, publishedFp, podFp)).to.equal(pod);
    expect(r.stderr.split('\n')).to.include(`T: Authorizing this session's key for telepresence in pod ${pod}`);
    expect(await inPod(['cat', `${KEY_DIR}/authorized_keys`])).to.equal('');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });
});
