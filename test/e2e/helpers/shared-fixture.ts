// A ClusterFixture whose namespace lives for a whole `describe` (created in before(), deleted in after()),
// so that a suite can start all its pods at once and each test only waits for its own.
import crypto from 'node:crypto';

import { execa } from 'execa';

import { loadClientNode } from './client-node.js';
import { type ClusterFixture, ensureCluster, isNotFound, waitFor } from './cluster.js';

export function useSharedFixture(prefix = 'tp-e2e'): ClusterFixture {
  const fx = { namespace: `${prefix}-${crypto.randomBytes(3).toString('hex')}` } as ClusterFixture;
  fx.kubectlResult = async (args, input) => {
    const r = await execa('kubectl', ['-n', fx.namespace, ...args], { input, reject: false, env: { KUBECONFIG: fx.kubeconfig } });
    return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  fx.kubectl = async (args, input) => {
    const r = await fx.kubectlResult(args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return r.stdout;
  };

  before(async function () {
    this.timeout(300_000);
    fx.kubeconfig = await ensureCluster();
    process.env.KUBECONFIG = fx.kubeconfig;
    const k8s = await loadClientNode();
    fx.kc = new k8s.KubeConfig();
    fx.kc.loadFromFile(fx.kubeconfig);
    fx.core = fx.kc.makeApiClient(k8s.CoreV1Api);
    fx.apps = fx.kc.makeApiClient(k8s.AppsV1Api);
    await fx.core.createNamespace({ body: { metadata: { name: fx.namespace, labels: { 'tp-e2e': '1' } } } });
    await waitFor(`ServiceAccount default in ${fx.namespace}`, 30_000, async () =>
      (await fx.core.readNamespacedServiceAccount({ name: 'default', namespace: fx.namespace })) ? true : undefined);
  });

  after(async function () {
    this.timeout(120_000);
    try {
      await fx.core.deleteNamespace({ name: fx.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await waitFor(`namespace ${fx.namespace} to be gone`, 100_000, async () => {
      try {
        await fx.core.readNamespace({ name: fx.namespace });
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
  });

  return fx;
}
