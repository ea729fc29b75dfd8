// For tests: an API server of its own on a free port with a temp state dir, and a kubectl runner
// bound to its kubeconfig. Also marks pods Running/Ready and finishes their deletion the way the
// kubelet does (PATCH pods/NAME/status, DELETE ?gracePeriodSeconds=0), for API-only tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { loadClientNode } from '../../../src/kube/client-node.js';
import { startApiServer, type ApiServer } from './index.js';
import { kindKey, resourceFor } from './registry.js';
import type { KObject } from './store.js';

export interface TestApiServer extends ApiServer {
  stateDir: string;
  /** Runs kubectl against this server; never throws, returns exit code, stdout and stderr. */
  kubectl(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** What the kubelet does once a pod's containers run: phase Running, Ready, a pod IP. */
  markPodsReady(namespace: string, labelSelector?: string): Promise<number>;
  /** What the kubelet does for terminating pods once their containers stopped. */
  finishTerminatingPods(namespace: string, labelSelector?: string): Promise<number>;
  stopAll(): Promise<void>;
}

let nextPodIp = 2;

/** `key=value` or nothing. */
function hasLabel(obj: KObject, selector?: string): boolean {
  if (!selector) return true;
  const [k, v] = selector.split('=');
  return obj.metadata.labels?.[k] === v;
}

export async function startTestApiServer(): Promise<TestApiServer> {
  const stateDir = await mkdtemp(join(tmpdir(), 'tp-apiserver-'));
  const server = await startApiServer({ stateDir, port: 0 });
  const kubectl = async (...args: string[]) => {
    const r = await execa('kubectl', args, { env: { KUBECONFIG: server.kubeconfigPath, HOME: stateDir }, reject: false });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const pods = resourceFor('pods');
  return {
    ...server,
    stateDir,
    kubectl,
    async markPodsReady(namespace, labelSelector) {
      let n = 0;
      for (const pod of server.registry.store.list(kindKey(pods), namespace)) {
        if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Running') continue;
        if (!hasLabel(pod, labelSelector)) continue;
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const status: KObject = {
          ...pod.status, phase: 'Running', podIP: `10.132.0.${nextPodIp}`, podIPs: [{ ip: `10.132.0.${nextPodIp}` }], hostIP: '10.132.0.1', startTime: now,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
          containerStatuses: pod.spec.containers.map((c: KObject) => ({
            name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } },
          })),
        };
        nextPodIp = nextPodIp >= 250 ? 2 : nextPodIp + 1;
        const r = await kubectl('-n', namespace, 'patch', 'pod', pod.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }));
        if (r.exitCode !== 0) throw new Error(`marking ${pod.metadata.name} ready: ${r.stderr}`);
        n++;
      }
      return n;
    },
    async finishTerminatingPods(namespace, labelSelector) {
      let n = 0;
      for (const pod of server.registry.store.list(kindKey(pods), namespace)) {
        if (!pod.metadata.deletionTimestamp || !hasLabel(pod, labelSelector)) continue;
        const r = await kubectl('-n', namespace, 'delete', 'pod', pod.metadata.name, '--grace-period=0', '--force', '--wait=false');
        if (r.exitCode !== 0) throw new Error(`deleting ${pod.metadata.name}: ${r.stderr}`);
        n++;
      }
      return n;
    },
    async stopAll() {
      await server.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A test API server with `namespace` made, and a client-node KubeConfig loaded from its kubeconfig. */
export async function startTestApiServerWithNamespace(namespace: string): Promise<{ api: TestApiServer; kubeConfig: KubeConfig }> {
  const api = await startTestApiServer();
  const made = await api.kubectl('create', 'namespace', namespace);
  if (made.exitCode !== 0) throw new Error(`creating namespace ${namespace}: ${made.stderr}`);
  const k8s = await loadClientNode();
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(api.kubeconfigPath);
  return { api, kubeConfig };
}

/** The error `p` rejects with; throws when it resolves. */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}
