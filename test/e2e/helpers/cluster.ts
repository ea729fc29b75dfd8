// The e2e suite's cluster: `useCluster()` in a mocha `describe` starts the local test cluster once per
// run (`npm run cluster -- up`, idempotent; or uses $TP_E2E_KUBECONFIG, e.g. a real kind/k3s cluster),
// sets KUBECONFIG, gives each test a fresh namespace and deletes it (waiting until gone) afterwards.
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';

import { loadClientNode } from './client-node.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cluster/cli.js');

let started: Promise<string> | undefined;

/** Starts the cluster once per process; resolves to its kubeconfig path. */
export function ensureCluster(): Promise<string> {
  started ??= (async () => {
    if (process.env.TP_E2E_KUBECONFIG) return process.env.TP_E2E_KUBECONFIG;
    const r = await execa(process.execPath, [CLI, 'up'], { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`npm run cluster -- up failed (exit ${r.exitCode}):\n${r.all}`);
    return String(r.stdout).trim().split('\n').pop()!;
  })();
  return started;
}

export interface ClusterFixture {
  kubeconfig: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  /** The current test's namespace. */
  namespace: string;
  /** Runs the real kubectl in the test's namespace; returns stdout, throws with stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** kubectl's result without throwing. */
  kubectlResult(args: readonly string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

import { waitFor } from '../../helpers/poll.js';

export { waitFor };

/** A fixture in `namespace` (set later is fine): kubectl runners only, clients come with connectFixture(). */
export function newFixture(namespace: string): ClusterFixture {
  const fx = { namespace } as ClusterFixture;
  fx.kubectlResult = async (args: readonly string[], input?: string) => {
    const r = await execa('kubectl', ['-n', fx.namespace, ...args], { input, reject: false, env: { KUBECONFIG: fx.kubeconfig } });
    return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  fx.kubectl = async (args, input) => {
    const r = await fx.kubectlResult(args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  return fx;
}

/** The cluster up, KUBECONFIG set, client-node's clients made. */
export async function connectFixture(fx: ClusterFixture): Promise<void> {
  fx.kubeconfig = await ensureCluster();
  process.env.KUBECONFIG = fx.kubeconfig;
  const k8s = await loadClientNode();
  fx.kc = new k8s.KubeConfig();
  fx.kc.loadFromFile(fx.kubeconfig);
  fx.core = fx.kc.makeApiClient(k8s.CoreV1Api);
  fx.apps = fx.kc.makeApiClient(k8s.AppsV1Api);
}

/** Creates fx.namespace and waits for its default ServiceAccount, which pods need (a real cluster makes it asynchronously). */
export async function createFixtureNamespace(fx: ClusterFixture): Promise<void> {
  await fx.core.createNamespace({ body: { metadata: { name: fx.namespace, labels: { 'tp-e2e': '1' } } } });
  await waitFor(`ServiceAccount default in ${fx.namespace}`, 30_000, async () =>
    (await fx.core.readNamespacedServiceAccount({ name: 'default', namespace: fx.namespace })) ? true : undefined);
}

/** Deletes `ns` and waits until it is gone. */
export async function deleteFixtureNamespace(fx: ClusterFixture, ns: string): Promise<void> {
  try {
    await fx.core.deleteNamespace({ name: ns });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await waitFor(`namespace ${ns} to be gone`, 100_000, async () => {
    try {
      await fx.core.readNamespace({ name: ns });
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
}

/** Mocha hooks: `fx` gets a fresh namespace for every test, deleted after it. */
export function useFreshNamespaces(fx: ClusterFixture): void {
  beforeEach(async function () {
    fx.namespace = `tp-e2e-${crypto.randomBytes(3).toString('hex')}`;
    await createFixtureNamespace(fx);
  });
  afterEach(async function () {
    this.timeout(120_000);
    await deleteFixtureNamespace(fx, fx.namespace);
  });
}

/** A fresh namespace for every test. */
export function useCluster(): ClusterFixture {
  const fx = newFixture('');
  before(async function () {
    this.timeout(300_000);
    await connectFixture(fx);
  });
  useFreshNamespaces(fx);
  return fx;
}
