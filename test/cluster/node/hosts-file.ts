// A pod's hostname and its /etc/hosts exactly as the kubelet writes them (managedHostsFileContent):
// the localhost lines, the pod's IP with its FQDN when it has a subdomain, then the hostAliases. Pure.
import type { Pod } from './pod-types.js';

export interface HostAlias {
  ip: string;
  hostnames?: string[];
}

/** spec.hostname or the pod name, cut to 63 characters without a trailing '-' or '.' (truncatePodHostnameIfNeeded). */
export function podHostname(pod: Pod): string {
  const name = pod.spec.hostname ?? pod.metadata.name;
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

export function hostsFile(pod: Pod, podIps: readonly string[], clusterDomain = 'cluster.local'): string {
  const hostname = podHostname(pod);
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const domain = pod.spec.subdomain ? `${pod.spec.subdomain}.${pod.metadata.namespace}.svc.${clusterDomain}` : '';
  for (const ip of podIps) lines.push(domain ? `${ip}\t${hostname}.${domain}\t${hostname}` : `${ip}\t${hostname}`);
  const aliases: HostAlias[] = pod.spec.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}
