// `telepresence-podinfo`'s JSON, the one thing the pod tells the launcher, and the protocol version
// in it: the pod (proxy-pod/src/podinfo.ts) writes POD_PROTOCOL_VERSION, the launcher checks it.
// The check's texts live here so that every way of asking a pod (SSH, the exec API) says the same.
import { PODINFO_COMMAND } from './pod.js';

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

/** Who asks: the launcher's release, and how to get a pod of its protocol (ends the message). */
export interface PodInfoAsker {
  launcherVersion: string;
  fix: string;
}

/** The one line for a pod that speaks another protocol (`found` null: it declares none). */
export function podProtocolMismatch(image: string, found: number | null, asker: PodInfoAsker): string {
  const spoken = found === null ? '0 (none)' : String(found);
  const newer = found !== null && found > POD_PROTOCOL_VERSION ? 'use the telepresence release that image belongs to, or ' : '';
  return `the proxy image ${image} speaks pod protocol ${spoken}, this telepresence ${asker.launcherVersion} speaks ${POD_PROTOCOL_VERSION}: ${newer}${asker.fix}`;
}

/** PodInfo, or the one line that refuses the answer (the caller throws it as a ClusterError). */
export type PodInfoCheck = { info: PodInfo } | { refusal: string };

/** `text` is what `image` printed for PODINFO_COMMAND: PodInfo only when it is of this protocol. */
export function parsePodInfo(text: string, image: string, asker: PodInfoAsker): PodInfoCheck {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { refusal: `the proxy image ${image} answered ${PODINFO_COMMAND} with something that is not JSON (it began ${JSON.stringify(text.slice(0, 40))}): ${asker.fix}` };
  }
  const found = podInfoProtocolVersion(answer);
  if (found !== POD_PROTOCOL_VERSION) return { refusal: podProtocolMismatch(image, found, asker) };
  const info = answer as PodInfo;
  if (typeof info.env !== 'object' || info.env === null || !Array.isArray(info.mountpoints)) {
    return { refusal: `the proxy image ${image} speaks pod protocol ${found} but its ${PODINFO_COMMAND} answer lacks env or mountpoints: ${asker.fix}` };
  }
  return { info };
}
