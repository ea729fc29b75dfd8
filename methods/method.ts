// The outbound methods behind one interface: what each needs (features), whether it can run here
// (checkSupported, in words), how it sets up (prepare, registering undo steps) and how it wraps the
// user process (wrap). The registry maps --method names to methods.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MethodName, RoutingOptions, SessionOptions } from '../src/config/session-options.js';
import type { Config } from '../src/config/index.js';
import type { ChangeJournal, UndoRegistry } from '../src/changes.js';
import type { PlatformError } from '../src/errors.js';
import type { DnsSink, DnsWatch } from '../src/kube/dns-watch.js';
import type { RelayClient } from '../src/tunnel/relay-client.js';

export type { MethodName };

export interface MethodFeatures {
  /** Changes the host (TUN, routes, resolver): needs root. */
  readonly needsRoot: boolean;
  /** Every process of the workstation reaches the cluster, not only the user process. */
  readonly coversWholeHost: boolean;
  readonly udp: boolean;
  readonly containers: boolean;
  /** Routes subnets by the engine's plan, so --vnat, --proxy-via and --allow-conflicting-subnets apply. */
  readonly routesSubnets: boolean;
}

/** What a method may check before anything is changed (no proxy pod yet). */
export interface PreflightContext {
  log(line: string): void;
  undo: UndoRegistry;
  journal: ChangeJournal;
  cluster: MethodContext['cluster'];
  config: Config;
  routing: RoutingOptions;
  /** The whole request (the container method reads --docker-run, --container-to-host, --docker-mount). */
  options: SessionOptions;
  /** The session's environment (DOCKER_HOST and the like). */
  env: NodeJS.ProcessEnv;
}

/** What the pod told the session, as a method may mirror it. */
export interface PodView {
  /** The user process's cluster environment (the pod's, plus TELEPRESENCE_*), before VNAT. */
  env: Readonly<Record<string, string>>;
  hostname: string;
  hosts: string;
  resolv: string;
  /** Where the pod's root is mounted on this workstation ($TELEPRESENCE_ROOT), '' when it is not. */
  root: string;
}

/** A --proxy-via relay as a method uses it (src/tunnel RelayClient): dial and resolve from the workload's pod. */
export type ProxyViaRelayClient = Pick<RelayClient, 'connect' | 'resolve' | 'resolvePtr' | 'where'>;

/** What a method gets from the session. */
export interface MethodContext {
  /** Opens a TCP stream to host:port as seen from the proxy pod. */
  openPodStream(host: string, port: number): Promise<Duplex>;
  undo: UndoRegistry;
  /** What must survive a SIGKILL is recorded here before the change is made. */
  journal: ChangeJournal;
  log(line: string): void;
  /** `T: line` on the terminal (and in the log). */
  progress(line: string): void;
  /** Warnings the user must see on the terminal. */
  warn(line: string): void;
  /** A private directory of this session (removed at the end). */
  workDir: string;
  /** Ports of the proxy pod's services. */
  podPorts: { readonly socks: number; readonly dns: number };
  /** Deadline of the readiness check, ms. */
  readyTimeoutMs: number;
  /** The cluster as the session found it, for methods that route its subnets. */
  cluster: {
    readonly context: string;
    readonly namespace: string;
    readonly apiServerIps: readonly string[];
    discoverSubnets(): Promise<{ podSubnets: string[]; serviceSubnets: string[] }>;
    /**
     * The cluster's namespaces now, and the whole list again after each change (a watch that re-lists
     * itself after a break); stop() ends it. Never fails: without the right to list them, the session's
     * namespace, default and kube-system.
     */
    watchNamespaces(onChange: (names: readonly string[]) => void): Promise<{ names: readonly string[]; stop(): void }>;
    /** Teleproxy: Services, Endpoints (or EndpointSlices) and Pods into `sink`, listed then watched (src/kube/dns-watch.ts). */
    watchClusterDns(sink: DnsSink, options: { namespaces: readonly string[]; log(line: string): void }): Promise<DnsWatch>;
  };
  config: Config;
  routing: RoutingOptions;
  options: SessionOptions;
  env: NodeJS.ProcessEnv;
  /** This session's id: the names and labels of what it creates. */
  sessionId: string;
  pod: PodView;
  /** --proxy-via: the relay of each workload named (by the name given); empty without the flag. */
  relays: ReadonlyMap<string, ProxyViaRelayClient>;
}

export interface InboundTarget {
  dial(port: number): Socket;
  readonly where: string;
}

export interface UserProcessLaunch {
  argv: string[];
  env: Record<string, string>;
}

export interface Method {
  readonly name: MethodName;
  readonly features: MethodFeatures;
  /** Why this method cannot run here, in one line (a PlatformError when it is this platform), or null when it can. */
  checkSupported(): string | PlatformError | null;
  /** Optional checks of the request that need nothing but this machine (step 1, before the cluster is asked). */
  checkOptions?(options: SessionOptions, env: NodeJS.ProcessEnv): void;
  /** Optional checks before the session changes anything (e.g. a routing conflict). */
  preflight?(ctx: PreflightContext): Promise<void>;
  /** Sets up everything the user process needs; registers every undo on ctx.undo. */
  prepare(ctx: MethodContext): Promise<void>;
  /** The command line and environment the user process runs with. */
  wrap(launch: UserProcessLaunch): UserProcessLaunch;
  /**
   * Where the cluster's connections for --expose and the swap's ports go, when not to 127.0.0.1 here:
   * `dial` makes a connection to that port from inside the user process's network (the container's),
   * `where` names that network in the progress and log lines.
   */
  readonly inbound?: InboundTarget;
}

/** `Feature X not supported with method Y` (sshuttle's wording). */
export function featureNotSupported(feature: string, method: MethodName): string {
  return `Feature ${feature} not supported with method ${method}`;
}
