// Reads the proxy pod's info (environment, hostname, hosts, resolv.conf, mount points) over SSH, or takes
// the answer an exec in the pod already gave (--deployment), and checks that the image speaks this launcher's pod protocol: a mismatch is one line with the fix.
import { packageVersion } from '../config/version.js';
import { ClusterError } from '../errors.js';
import { parsePodInfo, PODINFO_COMMAND, proxyImageFix, type PodInfo } from '../protocol/index.js';
import type { SshTunnel } from '../tunnel/ssh.js';

export type { PodInfo };

/** `image` is the one the pod runs (for the message); the answer's protocolVersion must be ours. */
export async function readPodInfo(tunnel: Pick<SshTunnel, 'exec'>, image: string, alreadyRead?: string): Promise<PodInfo> {
  const text = alreadyRead ?? await tunnel.exec(PODINFO_COMMAND);
  const launcherVersion = packageVersion();
  const checked = parsePodInfo(text, image, { launcherVersion, fix: proxyImageFix(launcherVersion) });
  if ('refusal' in checked) throw new ClusterError(checked.refusal);
  return checked.info;
}
