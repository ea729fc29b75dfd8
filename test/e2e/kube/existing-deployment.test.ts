// ExistingDeploymentOperation's one exec against the local cluster (pods of the proxy image that really run):
// the key line added once and the pod's own host key returned; journalled before the exec and removed by the
// undo; an image without podinfo and a pod of protocol 2 refused with their lines and no line left; a low
// port on a uid-1000 pod refused with no line added.
import { expect } from 'chai';
import crypto from 'node:crypto';
import { execa } from 'execa';

import type { ChangeJournal, UndoStep } from '../../../src/changes.js';
import { packageVersion } from '../../../src/config/version.js';
import { ClusterError, UnsupportedError } from '../../../src/errors.js';
import { ExistingDeploymentOperation } from '../../../src/kube/operations/existing-deployment.js';
import type { OperationContext } from '../../../src/kube/operations/operation.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { buildProxyVariant, ensureProxyImage } from '../helpers/proxy-image.js';
import { PROXY_IMAGE, targetOf } from './fixtures.js';

const V2_IMAGE = 'telepresence-test/proxy-protocol-2-exec:dev';
const NO_PODINFO_IMAGE = 'telepresence-test/proxy-no-podinfo:dev';
const KEYS = '/home/telepresence/.ssh/authorized_keys';
const HOST_KEY = '/home/telepresence/.ssh/ssh_host_ed25519_key.pub';
const V = packageVersion();

function proxyDeploymentYaml(name: string, image: string): string {
  return JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: {
      containers: [{ name: 'telepresence', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8022 }],
        readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] } } } });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('kube: --deployment, the one exec into an existing pod', function () {
  this.timeout(180_000);
  const fx = useCluster();
  /** What the operation did, in order: journal entries (`record KIND`, `settle KIND`) and undo pushes. */
  let events: string[];
  let undos: UndoStep[];

  const journal: ChangeJournal = {
    record: (kind) => {
      events.push(`record ${kind}`);
      return { update: () => undefined, settle: () => { events.push(`settle ${kind}`); }, settleAfter: (undo) => async () => { await undo(); events.push(`settle ${kind}`); } };
    },
  };
  function context(exposePorts: number[] = []): OperationContext {
    const sessionId = crypto.randomBytes(6).toString('hex');
    return { sessionId, image: PROXY_IMAGE, publicKey: generateSessionKey(sessionId).publicKey, exposePorts, journal, readyTimeoutMs: 90_000,
      undo: { push: (name, step) => { events.push(`undo ${name.split(' ').slice(0, 2).join(' ')}`); undos.push(step); } }, progress: () => undefined };
  }
  const unwind = async () => { for (const step of undos.splice(0).reverse()) await step(); };
  async function podOf(app: string): Promise<string> {
    return waitFor(`a ready pod of ${app}`, 90_000, async () => {
      const pods = (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: `app=${app}` })).items;
      return pods.length === 1 && pods[0]!.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? pods[0]!.metadata!.name! : undefined;
    });
  }
  /** The file's lines in the pod; null when it is not there. */
  async function lines(pod: string, file = KEYS): Promise<string[] | null> {
    const r = await fx.kubectlResult(['exec', pod, '-c', 'telepresence', '--', 'cat', file]);
    return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : null;
  }

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    await buildProxyVariant(V2_IMAGE, 'protocol-2');
    await buildProxyVariant(NO_PODINFO_IMAGE, 'no-podinfo');
  });
  after(async () => { await execa('docker', ['rmi', V2_IMAGE, NO_PODINFO_IMAGE], { reject: false }); });
  beforeEach(() => {
    events = [];
    undos = [];
  });

  it('adds the key line once (journalled and undo pushed first), returns the pod\'s host key; the undo removes the line', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('it', PROXY_IMAGE));
    const name = await podOf('it');
    const op = new ExistingDeploymentOperation(await targetOf(fx), 'it');
    await op.check();
    const ctx = context();
    const pod = await op.apply(ctx);
    expect([pod.podName, pod.sshUser]).to.deep.equal([name, 'telepresence']);
    expect(pod.hostKey).to.equal((await lines(name, HOST_KEY))!.join('\n'));
    expect(await lines(name)).to.deep.equal([`${ctx.publicKey.split(' ').slice(0, 2).join(' ')} telepresence-${ctx.sessionId}`]);
    expect(events).to.deep.equal(['record pod-authorized-key', 'undo remove the']);
    // A second session beside it: its own line, once.
    const other = context();
    await new ExistingDeploymentOperation(await targetOf(fx), 'it').apply(other);
    expect(await lines(name)).to.have.length(2);
    await unwind();
    expect(await lines(name)).to.deep.equal([]);
    expect(events.filter((e) => e.startsWith('settle'))).to.have.length(2);
  });

  it('an image without telepresence-podinfo: the protocol line (0, none) and no line added', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('bare', NO_PODINFO_IMAGE));
    const name = await podOf('bare');
    const err = await failure(new ExistingDeploymentOperation(await targetOf(fx), 'bare').apply(context()));
    expect(err).to.be.instanceOf(ClusterError);
    expect(err.message).to.match(new RegExp(`^the proxy image ${NO_PODINFO_IMAGE} speaks pod protocol 0 \\(none\\), this telepresence ${V.replaceAll('.', '\\.')} speaks 1: run ${PROXY_IMAGE.replaceAll('.', '\\.')} in Deployment bare `));
    expect(await lines(name)).to.deep.equal([]);
    expect(events).to.deep.equal(['record pod-authorized-key', 'undo remove the']);
    await unwind();
    expect(events.at(-1)).to.equal('settle pod-authorized-key');
    expect(await lines(name)).to.deep.equal([]);
  });

  it('a pod of protocol 2: refused in its line; the undo leaves no line behind', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('old', V2_IMAGE));
    const name = await podOf('old');
    const err = await failure(new ExistingDeploymentOperation(await targetOf(fx), 'old').apply(context()));
    expect(err).to.be.instanceOf(ClusterError);
    expect(err.message).to.match(new RegExp(`^the proxy image ${V2_IMAGE} speaks pod protocol 2, this telepresence ${V.replaceAll('.', '\\.')} speaks 1: use the telepresence release`));
    await unwind();
    expect(await lines(name)).to.deep.equal([]);
    expect(events).to.deep.equal(['record pod-authorized-key', 'undo remove the', 'settle pod-authorized-key']);
  });

  it('--expose of port 80 on a uid-1000 pod: refused in its line, and no line was added', async () => {
    await fx.kubectl(['apply', '-f', '-'], proxyDeploymentYaml('it', PROXY_IMAGE));
    const name = await podOf('it');
    const err = await failure(new ExistingDeploymentOperation(await targetOf(fx), 'it').apply(context([80, 8080])));
    expect(err).to.be.instanceOf(UnsupportedError);
    expect(err.message).to.equal(`--expose: port 80 is below 1024, but pod ${name} of Deployment it runs as uid 1000, not root, so its sshd cannot listen there: `
      + 'expose remote ports of 1024 or more, or run Deployment it as root (securityContext runAsUser: 0)');
    expect(await lines(name)).to.deep.equal([]);
    await unwind();
  });
});
