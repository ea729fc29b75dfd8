// One namespace for a whole mocha `describe` (unlike useCluster's namespace per test): created with its pods in
// `before` (all Ready before the first case), deleted and awaited in `after`, so cases share pods and stay quick.
import crypto from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';
import { ensureCluster, isNotFound } from './cluster.js';
import { loadClientNode } from './client-node.js';
import { waitFor } from '../../helpers/poll.js';

export interface KubectlRun { exitCode: number; stdout: string; stderr: string }

export interface SharedNamespace {
  name: string;
  kubeconfig: string;
  kc: k8s.KubeConfig;
  /** The real kubectl (or `bin`) in the namespace; never throws. */
  kubectl(args: readonly string[], opts?: { input?: string | Buffer; env?: Record<string, string>; bin?: string }): Promise<KubectlRun>;
}

export function useSharedNamespace(prefix: string, manifests: readonly string[]): SharedNamespace {
  const ns = { name: `tp-e2e-${prefix}-${crypto.randomBytes(3).toString('hex')}` } as SharedNamespace;
  ns.kubectl = async (args, opts = {}) => {
    const r = await execa(opts.bin ?? 'kubectl', ['-n', ns.name, ...args], {
      input: opts.input, reject: false, stripFinalNewline: false, env: { KUBECONFIG: ns.kubeconfig, ...opts.env },
    });
    return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  let core: k8s.CoreV1Api;

  before(async function () {
    this.timeout(300_000);
    ns.kubeconfig = await ensureCluster();
    const k8s = await loadClientNode();
    ns.kc = new k8s.KubeConfig();
    ns.kc.loadFromFile(ns.kubeconfig);
    core = ns.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns.name, labels: { 'tp-e2e': '1' } } } });
    await waitFor(`ServiceAccount default in ${ns.name}`, 30_000, async () =>
      (await core.readNamespacedServiceAccount({ name: 'default', namespace: ns.name })) ? true : undefined);
    for (const m of manifests) {
      const r = await ns.kubectl(['apply', '-f', '-'], { input: m });
      if (r.exitCode !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    }
    const names = manifests.map((m) => (JSON.parse(m) as { metadata: { name: string } }).metadata.name);
    await Promise.all(names.map((name) => waitFor(`pod ${name} to be Ready`, 90_000, async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns.name });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, 200)));
  });

  after(async function () {
    this.timeout(120_000);
    if (!core) return;
    try {
      await core.deleteNamespace({ name: ns.name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await waitFor(`namespace ${ns.name} to be gone`, 100_000, async () => {
      try {
        await core.readNamespace({ name: ns.name });
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    }, 200);
  });

  return ns;
}
