// Reads the proxy pod's info (environment, hostname, hosts, resolv.conf, mount points) over SSH.
import { ClusterError } from '../errors.js';
import type { SshTunnel } from '../tunnel/ssh.js';

import type { PodInfo } from '../engine/pod-protocol.js';

export type { PodInfo };

export async function readPodInfo(tunnel: Pick<SshTunnel, 'exec'>): Promise<PodInfo> {
  const text = await tunnel.exec('telepresence-podinfo');
  try {
    const info = JSON.parse(text) as PodInfo;
    if (typeof info.env !== 'object' || !Array.isArray(info.mountpoints)) throw new Error('missing env or mountpoints');
    return info;
  } catch (err) {
    throw new ClusterError(`the proxy pod's info is not what this telepresence expects (${(err as Error).message}); is the proxy image from the same release?`);
  }
}
