// The cluster objects that matter for DNS, as the teleproxy watch (src/kube) hands them to the DNS
// table (src/dns/cluster-table.ts): only the fields the Kubernetes DNS specification answers from.

export type DnsServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type DnsPortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface DnsPort {
  /** Only named ports have SRV records. */
  name?: string;
  port: number;
  protocol: DnsPortProtocol;
}

/** A Service. */
export interface DnsService {
  namespace: string;
  name: string;
  type: DnsServiceType;
  /** spec.clusterIPs (IPv4 and/or IPv6); empty for a headless Service. */
  clusterIPs: string[];
  /** spec.clusterIP is None: names answer the endpoints' addresses. */
  headless: boolean;
  /** spec.externalName of an ExternalName Service. */
  externalName?: string;
  ports: DnsPort[];
}

export interface DnsEndpointAddress {
  ip: string;
  /** Ready (Endpoints: in `addresses`, not `notReadyAddresses`; EndpointSlice: conditions.ready not false). */
  ready: boolean;
  /** The endpoint's hostname (a StatefulSet pod's name under its governing Service). */
  hostname?: string;
  /** targetRef.name when the target is a Pod. */
  podName?: string;
}

/** The endpoints of one Service from one object: its Endpoints, or one of its EndpointSlices. */
export interface DnsEndpoints {
  namespace: string;
  /** The Service these endpoints belong to (EndpointSlice: label kubernetes.io/service-name). */
  service: string;
  /** The Endpoints name or the EndpointSlice name: one Service may have several slices. */
  key: string;
  addresses: DnsEndpointAddress[];
  ports: DnsPort[];
}

/** A Pod. */
export interface DnsPod {
  namespace: string;
  name: string;
  /** status.podIPs. */
  ips: string[];
  hostname?: string;
  subdomain?: string;
}
