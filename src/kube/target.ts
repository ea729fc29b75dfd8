// The cluster a session talks to: kubeconfig, context and namespace resolved as kubectl does, the API
// server checked reachable (with the OS error when not) and the namespace checked to exist. A context
// or cluster the kubeconfig lacks is a ConfigError (exit 2); only a cluster that fails is a ClusterError.
import dns from 'node:dns/promises';
import net from 'node:net';

import type { KubeConfig } from '@kubernetes/client-node';

import { DEFAULT_TIMEOUTS } from '../config/config.js';
import { ClusterError, ConfigError } from '../errors.js';
import { apiFailure } from './api-errors.js';
import { loadClientNode } from './client-node.js';
import { DeadlineExceeded, beforeDeadline } from '../deadline.js';
import { describeSource, kubeconfigFiles, loadKubeconfig } from './kubeconfig.js';

export interface ClusterTargetOptions {
  context?: string;
  namespace?: string;
  kubeconfig?: string;
  /** Deadline for reaching the API server (config timeouts.clusterConnect). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ClusterTarget {
  /** Client-node configuration with `context` as its current context. */
  kubeConfig: KubeConfig;
  context: string;
  namespace: string;
  /** The API server URL of the context's cluster. */
  server: string;
  /** The API server's addresses (never to be routed into the cluster). */
  apiServerIps: string[];
  /** Flags that make kubectl see the same cluster: --kubeconfig (when one file), --context, --namespace. */
  kubectlArgs: string[];
}

export async function resolveClusterTarget(opts: ClusterTargetOptions = {}): Promise<ClusterTarget> {
  const source = kubeconfigFiles(opts.kubeconfig, opts.env ?? process.env);
  const kubeConfig = await loadKubeconfig(source);
  const available = kubeConfig.getContexts().map((c) => c.name);
  const availableText = available.length ? `available contexts: ${available.join(', ')}` : 'it defines no contexts';
  const context = opts.context || kubeConfig.getCurrentContext();
  if (!context && source.files.length === 0) {
    throw new ClusterError(`no Kubernetes context is selected: ${describeSource(source)}; set $KUBECONFIG or create ~/.kube/config`);
  }
  // From here on, what is wrong in the kubeconfig is a ConfigError (exit 2).
  const where = describeSource(source);
  if (!context) {
    throw new ConfigError(`no Kubernetes context is selected: ${where} sets no current-context (${availableText}); `
      + 'pass --context NAME or run `kubectl config use-context NAME`', { value: where });
  }
  const ctx = kubeConfig.getContextObject(context);
  // A --context that the kubeconfig lacks stays a ClusterError (exit 255), as a --namespace the cluster lacks.
  if (!ctx && opts.context) throw new ClusterError(`context "${context}" does not exist in ${where} (${availableText})`, { value: context });
  if (!ctx) {
    throw new ConfigError(`the current-context "${context}" of ${where} is none of its contexts (${availableText}); `
      + 'pass --context NAME or run `kubectl config use-context NAME`', { value: where });
  }
  const cluster = kubeConfig.getCluster(ctx.cluster);
  if (!cluster) throw new ConfigError(`context "${context}" names cluster "${ctx.cluster}", which ${where} does not define`, { value: where });
  if (ctx.user && !kubeConfig.getUser(ctx.user)) {
    throw new ConfigError(`context "${context}" names user "${ctx.user}", which ${where} does not define`, { value: where });
  }
  kubeConfig.setCurrentContext(context);
  const namespace = opts.namespace || ctx.namespace || 'default';
  const server = cluster.server;

  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUTS.clusterConnect;
  const deadline = Date.now() + timeoutMs;
  try {
    await beforeDeadline(checkReachable(kubeConfig, server, namespace, context, cluster.proxyUrl ? undefined : deadline), deadline, 'the API server');
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      throw new ClusterError(`cannot reach the API server at ${server} (context "${context}"): no answer within ${timeoutMs / 1000} s (timeouts.clusterConnect)`);
    }
    throw err;
  }
  return {
    kubeConfig, context, namespace, server,
    apiServerIps: await serverAddresses(server),
    kubectlArgs: [...(source.singleFile && source.files.length === 1 ? ['--kubeconfig', source.files[0]] : []),
      '--context', context, '--namespace', namespace],
  };
}

/** probeDeadline: when set (no proxy in between), a TCP probe runs first and gives up at that time. */
async function checkReachable(kc: KubeConfig, server: string, namespace: string, context: string, probeDeadline?: number): Promise<void> {
  const url = parseServer(server, context);
  // A plain TCP connect first: it gives the OS's own error (fetch hides it, and refuses some ports outright).
  if (probeDeadline !== undefined) {
    const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
    const osError = await tcpProbe(url.hostname.replace(/^\[|\]$/g, ''), port, probeDeadline);
    if (osError) throw new ClusterError(`cannot reach the API server at ${server} (context "${context}"): ${osError}`);
  }
  const k8s = await loadClientNode();
  try {
    await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace });
  } catch (err) {
    const f = apiFailure(err);
    if (f.code === 404) throw new ClusterError(`namespace "${namespace}" not found in context "${context}"`);
    // Users allowed into one namespace often may not read Namespace objects: the server answered, that is enough.
    if (f.code === 403) return;
    if (f.code === 401) throw new ClusterError(`the API server at ${server} refused the credentials of context "${context}" (401 Unauthorized): ${f.message}`);
    if (f.code !== undefined) throw new ClusterError(`the API server at ${server} (context "${context}") failed to read namespace "${namespace}": ${f.message}`);
    throw new ClusterError(`cannot reach the API server at ${server} (context "${context}"): ${f.message}`);
  }
}

function parseServer(server: string, context: string): URL {
  try {
    return new URL(server);
  } catch {
    throw new ConfigError(`the cluster of context "${context}" has an invalid server URL "${server}": fix it in the kubeconfig`, { value: server });
  }
}

/** Resolves to undefined when a TCP connection opens, else to the OS error text. */
function tcpProbe(host: string, port: number, deadline: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    // Past the deadline the caller has given up; do not hold the process open for the OS's own timeout.
    const timer = setTimeout(() => socket.destroy(), Math.max(0, deadline - Date.now()) + 100);
    socket.once('close', () => clearTimeout(timer));
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message);
    });
  });
}

async function serverAddresses(server: string): Promise<string[]> {
  const host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return [host];
  try {
    return [...new Set((await dns.lookup(host, { all: true })).map((a) => a.address))];
  } catch {
    return [];
  }
}
