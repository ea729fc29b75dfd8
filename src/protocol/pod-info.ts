// `telepresence-podinfo`'s JSON, the one thing the pod tells the launcher, and the protocol version
// in it: the pod (proxy-pod/src/podinfo.ts) writes POD_PROTOCOL_VERSION, the launcher checks it.

/** The contract's version; see index.ts for what a compatible change is. Images before it wrote none. */
export const POD_PROTOCOL_VERSION = 1;

/** The pod's start environment and what a workstation process mirrors of the pod. */
export interface PodInfo {
  /** POD_PROTOCOL_VERSION of the image that answered. */
  protocolVersion: number;
  env: Record<string, string>;
  hostname: string;
  hosts: string;
  resolv: string;
  mountpoints: string[];
}

/** The version a parsed podinfo answer declares: null when it has none (or not a whole number >= 0). */
export function podInfoProtocolVersion(answer: unknown): number | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const version = (answer as { protocolVersion?: unknown }).protocolVersion;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : null;
}
