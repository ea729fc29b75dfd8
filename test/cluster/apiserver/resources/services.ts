// Services: ClusterIP allocation from the service CIDR (with the API server's own out-of-range
// text, contract 9), port defaults, NodePorts, and the immutability of an allocated clusterIP.
import type { KObject } from '../store.js';
import type { Registry } from '../registry.js';
import { goStringSlice, invalid } from '../status.js';
import type { KindHooks } from './hooks.js';
import { checkExternalName, dropTypeDependentFields, isExternalName } from './externalname.js';

export interface Cidr {
  text: string;
  base: number;
  size: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr {
  const [ip, bits] = text.split('/');
  const n = ipToInt(ip);
  const b = Number(bits);
  if (n === undefined || !Number.isInteger(b) || b < 8 || b > 30) throw new Error(`bad CIDR ${text}`);
  const size = 2 ** (32 - b);
  return { text: `${intToIp(n - (n % size))}/${b}`, base: n - (n % size), size };
}

function usedIps(registry: Registry): Set<string> {
  return new Set(registry.list('services').map((s) => s.spec?.clusterIP).filter((ip) => ip && ip !== 'None'));
}

function usedNodePorts(registry: Registry): Set<number> {
  const ports = new Set<number>();
  for (const s of registry.list('services')) for (const p of s.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  return ports;
}

function allocate(svc: KObject, cidr: Cidr, registry: Registry): void {
  const spec = svc.spec;
  const name = svc.metadata.name;
  const requested: string | undefined = spec.clusterIP || spec.clusterIPs?.[0];
  if (requested === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return;
  }
  const used = usedIps(registry);
  if (requested) {
    const n = ipToInt(requested);
    const fieldErr = (detail: string) => invalid('Service', '', name, [{
      field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: goStringSlice([requested]),
      detail: `failed to allocate IP ${requested}: ${detail}`,
    }]);
    if (n === undefined) {
      throw invalid('Service', '', name, [{ field: 'spec.clusterIPs[0]', type: 'FieldValueInvalid', value: JSON.stringify(requested), detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' }]);
    }
    if (n <= cidr.base || n >= cidr.base + cidr.size - 1) {
      throw fieldErr(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${cidr.text}`);
    }
    if (used.has(requested)) throw fieldErr('provided IP is already allocated');
    spec.clusterIP = requested;
  } else {
    // Dynamic allocation starts above the first /28 like Kubernetes' upper band, so the
    // well-known .1 and .10 stay free for `kubernetes` and `kube-dns`.
    const first = cidr.size > 64 ? 16 : 2;
    let ip: string | undefined;
    for (let i = first; i < cidr.size - 1 && !ip; i++) {
      const candidate = intToIp(cidr.base + i);
      if (!used.has(candidate)) ip = candidate;
    }
    if (!ip) throw invalid('Service', '', name, [{ field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: goStringSlice([]), detail: 'failed to allocate a serviceIP: range is full' }]);
    spec.clusterIP = ip;
  }
  spec.clusterIPs = [spec.clusterIP];
}

function defaultPorts(svc: KObject, registry: Registry): void {
  const spec = svc.spec;
  const used = usedNodePorts(registry);
  let next = 30000;
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !p.nodePort) {
      while (used.has(next)) next++;
      p.nodePort = next;
      used.add(next);
    }
  }
}

function validate(svc: KObject): void {
  const errors = [];
  const ports: KObject[] = svc.spec.ports ?? [];
  if (ports.length === 0 && svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== 'None') {
    errors.push({ field: 'spec.ports', type: 'FieldValueRequired' as const, detail: '' });
  }
  ports.forEach((p, i) => {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      errors.push({ field: `spec.ports[${i}].port`, type: 'FieldValueInvalid' as const, value: String(p.port), detail: 'must be between 1 and 65535, inclusive' });
    }
    if (ports.length > 1 && !p.name) errors.push({ field: `spec.ports[${i}].name`, type: 'FieldValueRequired' as const, detail: '' });
  });
  if (errors.length) throw invalid('Service', '', svc.metadata.name, errors);
}

export function serviceHooks(cidr: Cidr): KindHooks {
  return {
    create(svc, registry) {
      svc.spec ??= {};
      svc.spec.type ??= 'ClusterIP';
      svc.spec.sessionAffinity ??= 'None';
      validate(svc);
      if (isExternalName(svc)) checkExternalName(svc);
      else {
        allocate(svc, cidr, registry);
        svc.spec.ipFamilies ??= ['IPv4'];
        svc.spec.ipFamilyPolicy ??= 'SingleStack';
        svc.spec.internalTrafficPolicy ??= 'Cluster';
      }
      defaultPorts(svc, registry);
      svc.status ??= { loadBalancer: {} };
    },
    update(svc, old, registry) {
      svc.spec ??= {};
      svc.spec.type ??= old.spec.type;
      svc.spec.sessionAffinity ??= 'None';
      validate(svc);
      if (isExternalName(svc)) {
        if (!isExternalName(old)) dropTypeDependentFields(svc, old);
        checkExternalName(svc);
        defaultPorts(svc, registry);
        return;
      }
      if (isExternalName(old)) {
        // An ExternalName turned ClusterIP (or headless) gets its address now, as on create.
        allocate(svc, cidr, registry);
        svc.spec.ipFamilies ??= ['IPv4'];
        svc.spec.ipFamilyPolicy ??= 'SingleStack';
        svc.spec.internalTrafficPolicy ??= 'Cluster';
        defaultPorts(svc, registry);
        return;
      }
      // An update that leaves the clusterIP out keeps the allocated one (as the real API server does).
      if (!svc.spec.clusterIP) svc.spec.clusterIP = old.spec.clusterIP;
      if (!svc.spec.clusterIPs) svc.spec.clusterIPs = old.spec.clusterIPs;
      if (svc.spec.clusterIP !== old.spec.clusterIP && old.spec.type !== 'ExternalName') {
        throw invalid('Service', '', svc.metadata.name, [{ field: 'spec.clusterIPs[0]', type: 'FieldValueInvalid', value: goStringSlice([svc.spec.clusterIP]), detail: 'may not change once set' }]);
      }
      for (const k of ['ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) svc.spec[k] ??= old.spec[k];
      defaultPorts(svc, registry);
    },
  };
}
