// The resolved, read-only options of one session (from the flags; src/cli builds them once): what to
// run, where, with which method and routing. Types only: every layer below the CLI reads them.
import type { VnatRequest } from '../engine/types.js';

export const METHOD_NAMES = ['inject-tcp', 'vpn-tcp', 'container', 'teleproxy'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface PortMapping {
  /** The port on the workstation. */
  readonly workstationPort: number;
  /** The port in the pod (for --container-to-host: the host's port). */
  readonly podPort: number;
}

export interface AlsoProxy {
  /** IPs (as /32 or /128) and CIDRs, canonical. */
  readonly cidrs: readonly string[];
  /** Hostnames, resolved in the pod when a session starts. */
  readonly hostnames: readonly string[];
}

export interface RoutingOptions {
  readonly alsoProxy: AlsoProxy;
  /** --vnat X as {target: X, via: 'local'}, then --proxy-via X=W as {target: X, via: W}. */
  readonly vnat: readonly VnatRequest[];
  readonly allowConflictingSubnets: readonly string[];
}

export type DeploymentChoice =
  | { readonly kind: 'new'; readonly name: string }
  | { readonly kind: 'swap'; readonly name: string; readonly container: string | null }
  | { readonly kind: 'existing'; readonly name: string };

export type RunChoice =
  | { readonly kind: 'shell' }
  | { readonly kind: 'command'; readonly argv: readonly string[] }
  | { readonly kind: 'docker'; readonly dockerRunArgs: readonly string[] };

export interface SessionOptions {
  readonly method: MethodName;
  readonly deployment: DeploymentChoice;
  readonly context: string | null;
  readonly namespace: string | null;
  readonly serviceAccount: string | null;
  readonly expose: readonly PortMapping[];
  readonly toPod: readonly number[];
  readonly fromPod: readonly number[];
  readonly containerToHost: readonly PortMapping[];
  readonly routing: RoutingOptions;
  readonly localCluster: boolean;
  /** true: a fresh directory under /tmp; false: no mount; a string: that absolute path. */
  readonly mount: string | boolean;
  readonly dockerMount: string | null;
  readonly dockerHost: string | null;
  readonly envJson: string | null;
  readonly envFile: string | null;
  /** Neither --run nor --docker-run: an interactive shell, as --run-shell. */
  readonly run: RunChoice;
  readonly logfile: string;
  readonly verbose: boolean;
  readonly configFile: string | null;
}
