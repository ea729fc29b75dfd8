// kube-proxy's rules, as an iptables-restore text for the nat table of tp-node: ClusterIP:port ->
// ready endpoint IP:targetPort (random balancing with `-m statistic`), and hairpin traffic (a pod
// reaching itself through its Service) SNATed to the gateway so the reply comes back through the node;
// then the pods' hostPorts (hostport-rules.ts); in the host-access topology, what leaves through the
// host-only link is masqueraded to the node's address there, as a minikube VM does for its pods.
// Pure: the kubelet applies the text with `ip netns exec tp-node iptables-restore`.
import crypto from 'node:crypto';

import type { EndpointsObject, ServiceObject } from './cluster-dns.js';
import { type HostPortMapping, hostPortRules } from './hostport-rules.js';

const MASQ_MARK = '0x4000/0x4000';

function chain(prefix: string, ...parts: string[]): string {
  return `${prefix}-${crypto.createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16).toUpperCase()}`;
}

export function serviceRules(services: Iterable<ServiceObject>, endpoints: (ns: string, name: string) => EndpointsObject | undefined, gateway: string, hostPorts: readonly HostPortMapping[] = [], egressDevice?: string): string {
  const chains: string[] = ['TP-SERVICES', 'TP-POSTROUTING'];
  const rules: string[] = [
    '-A PREROUTING -j TP-SERVICES',
    '-A OUTPUT -j TP-SERVICES',
    '-A POSTROUTING -j TP-POSTROUTING',
    `-A TP-POSTROUTING -m mark --mark ${MASQ_MARK} -j SNAT --to-source ${gateway}`,
    ...(egressDevice ? [`-A TP-POSTROUTING -o ${egressDevice} -j MASQUERADE`] : []),
  ];
  const sorted = [...services].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const svc of sorted) {
    const ns = svc.metadata.namespace ?? 'default';
    const clusterIP = svc.spec?.clusterIP;
    if (!clusterIP || clusterIP === 'None') continue;
    const subsets = endpoints(ns, svc.metadata.name)?.subsets ?? [];
    for (const port of svc.spec?.ports ?? []) {
      const proto = (port.protocol ?? 'TCP').toLowerCase();
      const targets: { ip: string; port: number }[] = [];
      for (const subset of subsets) {
        const epPort = (subset.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP').toLowerCase() === proto)
          ?? (subset.ports?.length === 1 && !port.name ? subset.ports[0] : undefined);
        if (!epPort) continue;
        for (const addr of subset.addresses ?? []) targets.push({ ip: addr.ip, port: epPort.port });
      }
      if (targets.length === 0) continue;
      const svcChain = chain('TP-SVC', ns, svc.metadata.name, String(port.port), proto);
      chains.push(svcChain);
      rules.push(`-A TP-SERVICES -d ${clusterIP}/32 -p ${proto} -m ${proto} --dport ${port.port} -j ${svcChain}`);
      targets.forEach((t, i) => {
        const sepChain = chain('TP-SEP', ns, svc.metadata.name, String(port.port), proto, t.ip, String(t.port));
        chains.push(sepChain);
        const left = targets.length - i;
        rules.push(left > 1
          ? `-A ${svcChain} -m statistic --mode random --probability ${(1 / left).toFixed(5)} -j ${sepChain}`
          : `-A ${svcChain} -j ${sepChain}`);
        rules.push(`-A ${sepChain} -s ${t.ip}/32 -j MARK --set-xmark ${MASQ_MARK}`);
        rules.push(`-A ${sepChain} -p ${proto} -m ${proto} -j DNAT --to-destination ${t.ip}:${t.port}`);
      });
    }
  }
  const hp = hostPortRules(hostPorts, gateway, MASQ_MARK);
  chains.push(...hp.chains);
  rules.push(...hp.rules);
  return ['*nat', ...['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'].map((c) => `:${c} ACCEPT [0:0]`),
    ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');
}
