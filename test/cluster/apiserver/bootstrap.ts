// The objects a fresh cluster has: the system namespaces, the `kubernetes` Service (first IP of
// the service CIDR) with its Endpoints, and `kube-dns` at .10 (contract 9).
import { resourceFor, type Registry } from './registry.js';
import { intToIp, type Cidr } from './resources/services.js';

export function bootstrap(registry: Registry, serviceCidr: Cidr): void {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    registry.create(resourceFor('namespaces'), undefined, { metadata: { name } });
  }
  const apiIp = intToIp(serviceCidr.base + 1);
  registry.create(resourceFor('services'), 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: apiIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }] },
  });
  registry.create(resourceFor('endpoints'), 'default', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiIp }], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }],
  });
  // No selector: the node agent itself answers DNS on this IP, there are no kube-dns pods.
  registry.create(resourceFor('services'), 'kube-system', {
    metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      clusterIP: intToIp(serviceCidr.base + 10),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });
}
