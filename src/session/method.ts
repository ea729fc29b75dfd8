// Step 6: the outbound method — its preflight before anything is created (a routing conflict fails
// there), then its set-up once the tunnel is up; every change it makes registers its undo.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangeJournal } from '../changes.js';
import type { Cluster } from '../kube/index.js';
import { DNS_PORT, SOCKS_PORT } from '../protocol/index.js';
import type { Method, MethodContext, PodView, ProxyViaRelayClient } from '../../methods/method.js';
import type { PodConnection, Session } from './session.js';

function clusterView(cluster: Cluster): MethodContext['cluster'] {
  return {
    context: cluster.context, namespace: cluster.namespace, apiServerIps: cluster.apiServerIps,
    discoverSubnets: () => cluster.discoverSubnets(),
    watchNamespaces: (onChange) => cluster.watchNamespaces(onChange),
    watchClusterDns: (sink, options) => cluster.watchClusterDns(sink, options),
  };
}

export async function preflightMethod(s: Session, method: Method, cluster: Cluster, journal: ChangeJournal): Promise<void> {
  await method.preflight?.({
    log: s.log, undo: s.undo, journal, cluster: clusterView(cluster), config: s.config, routing: s.options.routing, options: s.options, env: s.env,
  });
  s.signals.check();
}

export async function prepareMethod(
  s: Session, method: Method, cluster: Cluster, connection: PodConnection, journal: ChangeJournal, sessionId: string, pod: PodView,
  relays: ReadonlyMap<string, ProxyViaRelayClient> = new Map(),
): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'telepresence-'));
  s.undo.push(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
  await method.prepare({
    openPodStream: (host, port) => connection.tunnel.openStream(host, port),
    undo: s.undo, journal, log: s.log, progress: s.progress, warn: s.warn, workDir,
    podPorts: { socks: SOCKS_PORT, dns: DNS_PORT }, readyTimeoutMs: s.config.timeouts.dnsReadyMs,
    cluster: clusterView(cluster), config: s.config, routing: s.options.routing, options: s.options, env: s.env, sessionId, pod, relays,
  });
  s.signals.check();
}
