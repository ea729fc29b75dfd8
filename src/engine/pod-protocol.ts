// What the proxy pod tells the workstation, shared by both sides (proxy-pod/src/podinfo.ts writes it,
// src/session/pod-info.ts reads it). Types only, so the pod image needs nothing of src/ at run time.
// A compatible change adds optional fields; renaming or removing one needs a new proxy image.

/** `telepresence-podinfo`'s JSON: the pod's start environment and what a local process mirrors. */
export interface PodInfo {
  env: Record<string, string>;
  hostname: string;
  hosts: string;
  resolv: string;
  mountpoints: string[];
}
