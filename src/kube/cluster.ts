// The cluster as a session sees it: one object over the resolved target (context, namespace, API
// server), its subnets, the proxy operation for the session's choice and the repairers of what dead
// sessions left in it. The session depends on this interface only, so tests can hand it a fake.
import type { Repairer } from '../changes.js';
import type { DeploymentChoice } from '../config/session-options.js';
import { operationRepairers, proxyOperation, type OperationSettings, type ProxyOperation } from './operations/index.js';
import { repairExpiredSwaps, type SwapRepairReport } from './swap/repair.js';
import { watchClusterDns, type DnsSink, type DnsWatch } from './dns-watch.js';
import { watchNamespaces, type NamespaceWatch } from './namespaces.js';
import { startProxyViaRelay, type ProxyViaRelay, type ProxyViaRelayOptions } from './proxy-via.js';
import { discoverSubnets, type ClusterSubnets } from './subnets.js';
import { resolveClusterTarget, type ClusterTargetOptions } from './target.js';

export interface Cluster {
  readonly context: string;
  readonly namespace: string;
  readonly server: string;
  /** The API server's addresses (never routed into the cluster). */
  readonly apiServerIps: readonly string[];
  /** Flags that make kubectl see the same cluster. */
  readonly kubectlArgs: readonly string[];
  discoverSubnets(): Promise<ClusterSubnets>;
  /** The cluster's namespaces now, then each change (list + watch); stop() ends the watch. */
  watchNamespaces(onChange: (names: readonly string[]) => void): Promise<NamespaceWatch>;
  /** Services, Endpoints (or EndpointSlices) and Pods into `sink`: listed (resolves then), then watched; stop() ends it. */
  watchClusterDns(sink: DnsSink, options: { namespaces: readonly string[]; log(line: string): void }): Promise<DnsWatch>;
  operation(choice: DeploymentChoice, settings: OperationSettings): ProxyOperation;
  /** --proxy-via: the relay in a Ready pod of WORKLOAD in the namespace (an ephemeral container; nothing restarts). */
  startProxyViaRelay(workload: string, options: ProxyViaRelayOptions): Promise<ProxyViaRelay>;
  /** Restores the Deployments of the namespace whose swapping session's Lease expired (any workstation's). */
  repairExpiredSwaps(): Promise<SwapRepairReport>;
  /** One per journal kind that lives in the cluster; entries of another context are left alone. */
  readonly repairers: readonly Repairer<never>[];
}

export async function openCluster(opts: ClusterTargetOptions & { log?: (line: string) => void }): Promise<Cluster> {
  const target = await resolveClusterTarget(opts);
  const log = opts.log ?? (() => undefined);
  return {
    context: target.context,
    namespace: target.namespace,
    server: target.server,
    apiServerIps: target.apiServerIps,
    kubectlArgs: target.kubectlArgs,
    discoverSubnets: () => discoverSubnets(target),
    watchNamespaces: (onChange) => watchNamespaces(target, onChange, { log }),
    watchClusterDns: (sink, options) => watchClusterDns(target, sink, options),
    operation: (choice, settings) => proxyOperation(target, choice, settings),
    startProxyViaRelay: (workload, options) => startProxyViaRelay(target, workload, options),
    repairExpiredSwaps: () => repairExpiredSwaps(target, log),
    repairers: operationRepairers(target),
  };
}
