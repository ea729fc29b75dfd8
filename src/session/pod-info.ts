// Reads the proxy pod's info (environment, hostname, hosts, resolv.conf, mount points) over SSH and
// checks that the image speaks this launcher's pod protocol: a mismatch is one line with the fix.
import { packageVersion } from '../config/version.js';
import { ClusterError } from '../errors.js';
import {
  defaultProxyImage, POD_PROTOCOL_VERSION, PODINFO_COMMAND, PROXY_IMAGE_VARIABLE, podInfoProtocolVersion, type PodInfo,
} from '../protocol/index.js';
import type { SshTunnel } from '../tunnel/ssh.js';

export type { PodInfo };

/** `image` is the one the pod runs (for the message); the answer's protocolVersion must be ours. */
export async function readPodInfo(tunnel: Pick<SshTunnel, 'exec'>, image: string): Promise<PodInfo> {
  const text = await tunnel.exec(PODINFO_COMMAND);
  const version = packageVersion();
  const fix = `build ${defaultProxyImage(version)} with proxy-pod/build.sh (add --tag REGISTRY/telepresence/proxy:${version} --push for a cluster that pulls from a registry) or set ${PROXY_IMAGE_VARIABLE} to an image of telepresence ${version}`;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ClusterError(`the proxy image ${image} answered ${PODINFO_COMMAND} with something that is not JSON (it began ${JSON.stringify(text.slice(0, 40))}): ${fix}`);
  }
  const found = podInfoProtocolVersion(answer);
  if (found !== POD_PROTOCOL_VERSION) {
    const spoken = found === null ? '0 (none)' : String(found);
    const newer = found !== null && found > POD_PROTOCOL_VERSION ? 'use the telepresence release that image belongs to, or ' : '';
    throw new ClusterError(`the proxy image ${image} speaks pod protocol ${spoken}, this telepresence ${version} speaks ${POD_PROTOCOL_VERSION}: ${newer}${fix}`);
  }
  const info = answer as PodInfo;
  if (typeof info.env !== 'object' || info.env === null || !Array.isArray(info.mountpoints)) {
    throw new ClusterError(`the proxy image ${image} speaks pod protocol ${found} but its ${PODINFO_COMMAND} answer lacks env or mountpoints: ${fix}`);
  }
  return info;
}
