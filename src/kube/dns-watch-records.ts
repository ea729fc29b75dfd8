// The cluster's Services, Endpoints / EndpointSlices and Pods reduced to what the workstation's DNS
// table needs (names, IPs, ports, readiness). Pure: client-node objects (or the raw JSON of a watch
// event, which has the same fields) in, records out.
import type { V1Endpoints, V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

import type { DnsEndpoints, DnsPod, DnsService } from '../protocol/index.js';

export type { DnsEndpoints, DnsPod, DnsService };

type DnsPort = DnsService['ports'][number];

/** The label an EndpointSlice names its Service with. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

function protocolOf(p: string | undefined): DnsPort['protocol'] {
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP';
}

/** Ports without a number (an EndpointSlice port of nil means "all ports") give no SRV record. */
function portsOf(ports: readonly { name?: string; port?: number; protocol?: string }[] | undefined): DnsPort[] {
  const out: DnsPort[] = [];
  const seen = new Set<string>();
  for (const p of ports ?? []) {
    if (typeof p.port !== 'number') continue;
    const port: DnsPort = { ...(p.name ? { name: p.name } : {}), port: p.port, protocol: protocolOf(p.protocol) };
    const key = `${port.name ?? ''}/${port.port}/${port.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(port);
  }
  return out;
}

function hasIp(ip: string | undefined): ip is string {
  return !!ip && ip !== 'None';
}

/** Undefined for an object without a name (never from the API server). */
export function serviceRecord(svc: V1Service): DnsService | undefined {
  const { namespace, name } = svc.metadata ?? {};
  if (!namespace || !name) return undefined;
  const spec = svc.spec ?? {};
  const type = SERVICE_TYPES.find((t) => t === spec.type) ?? 'ClusterIP';
  const headless = type !== 'ExternalName' && spec.clusterIP === 'None';
  // clusterIPs (dual stack) holds clusterIP first; older servers send clusterIP alone.
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP];
  const clusterIPs = type === 'ExternalName' || headless ? [] : ips.filter(hasIp);
  return {
    namespace, name, type, clusterIPs, headless,
    ...(type === 'ExternalName' && spec.externalName ? { externalName: spec.externalName } : {}),
    ports: portsOf(spec.ports),
  };
}

/**
 * Every subset's addresses (ready) and notReadyAddresses in one list. The ports are the union of the
 * subsets' ports: subsets only differ in ports when pods name the same target port differently.
 */
export function endpointsRecord(ep: V1Endpoints): DnsEndpoints | undefined {
  const { namespace, name } = ep.metadata ?? {};
  if (!namespace || !name) return undefined;
  const addresses: DnsEndpoints['addresses'] = [];
  for (const subset of ep.subsets ?? []) {
    for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
      for (const a of list ?? []) {
        if (!a.ip) continue;
        const podName = a.targetRef?.kind === 'Pod' ? a.targetRef.name : undefined;
        addresses.push({ ip: a.ip, ready, ...(a.hostname ? { hostname: a.hostname } : {}), ...(podName ? { podName } : {}) });
      }
    }
  }
  return { namespace, service: name, key: name, addresses, ports: portsOf((ep.subsets ?? []).flatMap((s) => s.ports ?? [])) };
}

/**
 * A slice names its Service by label; one without it belongs to no Service (undefined). FQDN slices
 * hold names, not IPs: no addresses. `conditions.ready` unset means ready (the API's own reading).
 */
export function sliceRecord(slice: V1EndpointSlice): DnsEndpoints | undefined {
  const { namespace, name, labels } = slice.metadata ?? {};
  const service = labels?.[SERVICE_NAME_LABEL];
  if (!namespace || !name || !service) return undefined;
  const addresses: DnsEndpoints['addresses'] = [];
  if (slice.addressType === 'IPv4' || slice.addressType === 'IPv6') {
    for (const e of slice.endpoints ?? []) {
      const ready = e.conditions?.ready !== false;
      const podName = e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined;
      for (const ip of e.addresses ?? []) {
        addresses.push({ ip, ready, ...(e.hostname ? { hostname: e.hostname } : {}), ...(podName ? { podName } : {}) });
      }
    }
  }
  return { namespace, service, key: name, addresses, ports: portsOf(slice.ports) };
}

/**
 * A pod's IPs while it can hold them: a pod that ended (Succeeded, Failed) has given its IP back and
 * it may already be another pod's. Hostname and subdomain from the spec (the pod's own DNS name).
 */
export function podRecord(pod: V1Pod): DnsPod | undefined {
  const { namespace, name } = pod.metadata ?? {};
  if (!namespace || !name) return undefined;
  const status = pod.status ?? {};
  const ended = status.phase === 'Succeeded' || status.phase === 'Failed';
  const listed = status.podIPs?.map((p) => p.ip).filter((ip) => !!ip) ?? [];
  const ips = ended ? [] : listed.length ? listed : [status.podIP].filter(hasIp);
  return {
    namespace, name, ips,
    ...(pod.spec?.hostname ? { hostname: pod.spec.hostname } : {}),
    ...(pod.spec?.subdomain ? { subdomain: pod.spec.subdomain } : {}),
  };
}
