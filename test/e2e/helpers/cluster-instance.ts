// A second local test cluster beside the default one (`npm run cluster -- up --instance N`, test/cluster/README.md):
// the same pod and service subnets, its own state dir, node netns, API port, kubeconfig and context. For tests
// that need two clusters. Bring it up in `before` and down in `after`, under the cluster lock like any cluster test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';

import { clusterInstance } from '../../cluster/instance.js';
import { instanceStateDir, statePaths } from '../../cluster/state.js';
import { loadClientNode } from './client-node.js';
import { type ClusterFixture, ensureCluster, newFixture, useFreshNamespaces } from './cluster.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cluster/cli.js');

export interface ClusterInstanceInfo {
  /** '2'..'9' */
  readonly instance: string;
  /** /run/tp-cluster-N/kubeconfig: its only context is `context`, so KUBECONFIG=it is enough. */
  readonly kubeconfig: string;
  /** tp-local-N (also the kubeconfig's cluster name; the user is tp-admin-N), so kubeconfigs merge with the default's. */
  readonly context: string;
  readonly stateDir: string;
  /** tp-node-N: the node's network namespace and the Node object's name. */
  readonly netns: string;
  /** The API server's port on 127.0.0.1 (16442 + N). */
  readonly apiPort: number;
}

/** The names of instance `instance`, without starting anything. */
export function clusterInstanceInfo(instance = '2'): ClusterInstanceInfo {
  const inst = clusterInstance(instance);
  if (inst.name === '') throw new Error('instance 1 is the default cluster: use ensureCluster() from helpers/cluster.ts');
  const dir = instanceStateDir(inst);
  return { instance: inst.name, kubeconfig: statePaths(dir).kubeconfig, context: inst.context, stateDir: dir, netns: inst.netns, apiPort: inst.apiPort };
}

/** Runs the cluster CLI for `instance` ('1' the default); throws with its output on failure. */
export async function clusterCliFor(instance: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  const r = await execa(process.execPath, [CLI, ...args, '--instance', instance], { reject: false });
  const seconds = (Date.now() - started) / 1000;
  if (r.exitCode !== 0) throw new Error(`npm run cluster -- ${args.join(' ')} --instance ${instance} failed (exit ${r.exitCode}):\n${r.stderr}${r.stdout}`);
  return { stdout: String(r.stdout), stderr: String(r.stderr), seconds };
}

/** Starts instance `instance` beside the default cluster (idempotent; starts the default one first if it is not up). */
export async function clusterInstanceUp(instance = '2'): Promise<ClusterInstanceInfo & { seconds: number }> {
  await ensureCluster();
  const info = clusterInstanceInfo(instance);
  const r = await clusterCliFor(info.instance, ['up']);
  const printed = r.stdout.trim().split('\n').pop();
  if (printed !== info.kubeconfig) throw new Error(`up --instance ${info.instance} printed ${printed}, not ${info.kubeconfig}`);
  return { ...info, seconds: r.seconds };
}

/** Removes everything of instance `instance` (nothing of the default cluster); a no-op when it is down. */
export async function clusterInstanceDown(instance = '2'): Promise<{ seconds: number }> {
  const r = await clusterCliFor(clusterInstanceInfo(instance).instance, ['down']);
  return { seconds: r.seconds };
}

/** Points `fx` at instance `info`: its kubeconfig for kubectl, client-node's clients; process.env.KUBECONFIG is left alone. */
export async function connectInstanceFixture(fx: ClusterFixture, info: ClusterInstanceInfo): Promise<void> {
  fx.kubeconfig = info.kubeconfig;
  const k8s = await loadClientNode();
  fx.kc = new k8s.KubeConfig();
  fx.kc.loadFromFile(info.kubeconfig);
  fx.core = fx.kc.makeApiClient(k8s.CoreV1Api);
  fx.apps = fx.kc.makeApiClient(k8s.AppsV1Api);
}

/** A fixture on instance `info` in `namespace` (which it does not create: createFixtureNamespace(fx) does). */
export async function instanceFixture(info: ClusterInstanceInfo, namespace: string): Promise<ClusterFixture> {
  const fx = newFixture(namespace);
  await connectInstanceFixture(fx, info);
  return fx;
}

/**
 * In a mocha `describe`: instance `instance` up in `before` and down in `after`, a fresh namespace in it for every
 * test (fx.namespace), deleted afterwards. Use beside useCluster(), which sets KUBECONFIG to the default cluster.
 */
export function useClusterInstance(instance = '2'): ClusterFixture & { info: ClusterInstanceInfo } {
  const fx = newFixture('') as ClusterFixture & { info: ClusterInstanceInfo };
  fx.info = clusterInstanceInfo(instance);
  before(async function () {
    this.timeout(300_000);
    await clusterInstanceUp(instance);
    await connectInstanceFixture(fx, fx.info);
  });
  after(async function () {
    this.timeout(120_000);
    await clusterInstanceDown(instance);
  });
  useFreshNamespaces(fx);
  return fx;
}
