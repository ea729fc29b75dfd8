// Shared by the kube e2e tests: the target of the test's namespace, an echo Deployment-less pod with a
// Service (also in extra namespaces), an HTTP GET over a raw stream, temporary kubeconfigs, and what is
// labelled `telepresence`, and --proxy-via's Deployment client-app (a hostAliases name and a listener on 127.0.0.5).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';

import YAML from 'yaml';

import { proxyImage } from '../../../src/config/proxy-image.js';
import { resolveClusterTarget, type ClusterTarget } from '../../../src/kube/index.js';
import { isNotFound, waitFor, type ClusterFixture } from '../helpers/cluster.js';
import { ECHO_IMAGE, echoPod, echoPodService, waitForReady } from '../helpers/pods.js';
import { freePort } from '../../helpers/ports.js';

/** This release's default image, as proxy-pod/build.sh tags it. */
export const PROXY_IMAGE = proxyImage({});

export function targetOf(fx: ClusterFixture): Promise<ClusterTarget> {
  return resolveClusterTarget({ kubeconfig: fx.kubeconfig, namespace: fx.namespace });
}

/** An echo pod behind Service `name` (port 8080); resolves to the pod's IP and the ClusterIP. */
export async function echoService(fx: ClusterFixture, name: string): Promise<{ podIp: string; clusterIp: string }> {
  await fx.kubectl(['apply', '-f', '-'], echoPod(name));
  await fx.kubectl(['apply', '-f', '-'], echoPodService(name));
  const pod = await waitForReady(fx, name);
  const svc = await fx.core.readNamespacedService({ name, namespace: fx.namespace });
  return { podIp: pod.status!.podIP!, clusterIp: svc.spec!.clusterIP! };
}

/**
 * A namespace of the test's own beside fx.namespace (labelled like it), once its default ServiceAccount
 * exists. The test deletes it (deleteNamespace): useCluster() removes only fx.namespace.
 */
export async function extraNamespace(fx: ClusterFixture, prefix: string): Promise<string> {
  const name = `${prefix}-${crypto.randomBytes(3).toString('hex')}`;
  await fx.core.createNamespace({ body: { metadata: { name, labels: { 'tp-e2e': '1' } } } });
  await waitFor(`ServiceAccount default in ${name}`, 30_000, async () =>
    (await fx.core.readNamespacedServiceAccount({ name: 'default', namespace: name })) ? true : undefined);
  return name;
}

/** Deletes a namespace the test created; with `waitGone`, until the API server no longer has it. */
export async function deleteNamespace(fx: ClusterFixture, name: string, waitGone = false): Promise<void> {
  try {
    await fx.core.deleteNamespace({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!waitGone) return;
  await waitFor(`namespace ${name} to be gone`, 100_000, async () => {
    try {
      await fx.core.readNamespace({ name });
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
}

/** echoService in another namespace than the test's (through client-node: fx.kubectl is bound to fx.namespace). */
export async function echoServiceIn(fx: ClusterFixture, namespace: string, name: string): Promise<{ podIp: string; clusterIp: string }> {
  await fx.core.createNamespacedPod({ namespace, body: JSON.parse(echoPod(name)) });
  await fx.core.createNamespacedService({ namespace, body: JSON.parse(echoPodService(name)) });
  const pod = await waitForReady({ ...fx, namespace }, name);
  const svc = await fx.core.readNamespacedService({ name, namespace });
  return { podIp: pod.status!.podIP!, clusterIp: svc.spec!.clusterIP! };
}

/** Sends a GET for `pathname` on a raw stream and returns the parsed JSON body (Connection: close). */
export function httpGetJson(stream: Duplex, host: string, pathname: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('error', reject);
    // 'end' (the pod side closed): an SSH channel emits 'close' only once this side ends too.
    stream.on('end', () => {
      stream.end();
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (!text.startsWith('HTTP/1.1 200') || split < 0) return reject(new Error(`unexpected answer: ${text.slice(0, 200)}`));
      try {
        resolve(JSON.parse(text.slice(split + 4)) as Record<string, unknown>);
      } catch (err) {
        reject(err as Error);
      }
    });
    stream.write(`GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

export interface KubeconfigDoc {
  'current-context'?: string;
  clusters: { name: string; cluster: { server: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

/** Writes a copy of `kubeconfig` changed by `edit` into a fresh directory; returns its path. */
export function editedKubeconfig(kubeconfig: string, edit: (doc: KubeconfigDoc) => void): string {
  const doc = YAML.parse(fs.readFileSync(kubeconfig, 'utf8')) as KubeconfigDoc;
  edit(doc);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-kube-'));
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
  return file;
}

/** A loopback port where nothing listens (bound, then released). */
export const closedPort = freePort;

/**
 * `kubectl get all -l telepresence` in the test's namespace, or `-l telepresence=<sessionId> -A` when a
 * session is given, as "kind/name" lines. (Not `-l telepresence -A`: other sessions may run on the cluster.)
 */
export async function labelledTelepresence(fx: ClusterFixture, sessionId?: string): Promise<string[]> {
  const out = await fx.kubectl(['get', 'all', '-o', 'name', ...(sessionId ? ['-A', '-l', `telepresence=${sessionId}`] : ['-l', 'telepresence'])]);
  return out.split('\n').filter(Boolean);
}

const LOOPBACK_LISTENER = "require('http').createServer((q, s) => s.end('loopback-only listener of ' + require('os').hostname())).listen(7070, '127.0.0.5')";

/** Deployment client-app: the echo server, a listener on 127.0.0.5:7070 only, and a hostAliases name for it. */
export function clientApp(): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'client-app' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'client-app' } }, template: { metadata: { labels: { app: 'client-app' } }, spec: {
      hostAliases: [{ ip: '127.0.0.5', hostnames: ['mesh-local.test'] }],
      containers: [
        { name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } },
        { name: 'loopback', image: ECHO_IMAGE, imagePullPolicy: 'Never', command: ['/usr/local/bin/node', '-e', LOOPBACK_LISTENER] },
      ] } } },
  };
}
