// What one Service of teleproxy's DNS table answers (the Kubernetes DNS specification's records for
// ClusterIP, headless and ExternalName Services), built from the Service and its endpoints; pure.
import { formatIp, tryParseIp, type Ip } from '../engine/ip.js';
import type { DnsEndpoints, DnsService } from '../protocol/index.js';
import { normalizeName } from './records.js';

export interface Addresses { v4: string[]; v6: string[] }
interface SrvTarget { port: number; target: string }
/** One reverse (PTR) source; the lowest rank wins: Service IP, named endpoint, pod, unnamed endpoint. */
export interface PtrSource { rank: number; target: string }

/** What one Service answers, computed on each change of it or of its endpoints. */
export interface ServiceView {
  /** ip: the ClusterIPs; headless: the ready endpoints (none ready: no such name); alias: ExternalName. */
  kind: 'ip' | 'headless' | 'alias';
  addresses: Addresses;
  /** ExternalName: every question about the name is answered with this alias. */
  alias: string;
  /** Headless: <hostname>.svc.ns... (hostname, or the dashed IP without one) -> its ready addresses. */
  hosts: Map<string, Addresses>;
  /** `_port._proto` -> SRV targets. */
  srv: Map<string, SrvTarget[]>;
  ptr: Map<string, PtrSource>;
}

/** The IP as the dashed label Kubernetes DNS uses (10-1-2-3, fd00--1). */
export const dashed = (ip: Ip): string => formatIp(ip).replace(/[.:]/g, '-');

/** The answers of `service` (undefined: it answers nothing, e.g. an ExternalName without a name). */
export function serviceView(service: DnsService, slices: DnsEndpoints[], clusterDomain: string): ServiceView | undefined {
  const ns = service.namespace.toLowerCase();
  const fqdn = `${service.name.toLowerCase()}.${ns}.svc.${clusterDomain}`;
  const kind = service.type === 'ExternalName' ? 'alias' : service.headless ? 'headless' : 'ip';
  const alias = kind === 'alias' ? normalizeName(service.externalName ?? '') : '';
  if (kind === 'alias' && alias === '') return undefined;
  const view: ServiceView = { kind, alias, addresses: { v4: [], v6: [] }, hosts: new Map(), srv: new Map(), ptr: new Map() };
  const addSrv = (port: { name?: string; protocol: string }, target: SrvTarget): void => {
    if (!port.name) return;
    const k = `_${port.name.toLowerCase()}._${port.protocol.toLowerCase()}`;
    const list = view.srv.get(k) ?? [];
    if (!list.some((t) => t.port === target.port && t.target === target.target)) list.push(target);
    view.srv.set(k, list);
  };
  if (kind === 'alias') {
    for (const port of service.ports) addSrv(port, { port: port.port, target: alias });
    return view;
  }
  if (kind === 'ip') {
    for (const ip of service.clusterIPs.map(tryParseIp)) {
      if (ip === null) continue;
      addAddress(view.addresses, ip);
      view.ptr.set(formatIp(ip), { rank: 0, target: fqdn });
    }
    for (const port of service.ports) addSrv(port, { port: port.port, target: fqdn });
    return view;
  }
  for (const slice of slices) {
    for (const address of slice.addresses) {
      const ip = address.ready ? tryParseIp(address.ip) : null;
      if (ip === null) continue;
      const host = address.hostname ? address.hostname.toLowerCase() : dashed(ip);
      const target = `${host}.${fqdn}`;
      addAddress(view.addresses, ip);
      let hostAddresses = view.hosts.get(host);
      if (hostAddresses === undefined) view.hosts.set(host, (hostAddresses = { v4: [], v6: [] }));
      addAddress(hostAddresses, ip);
      const text = formatIp(ip);
      const rank = address.hostname ? 1 : 3;
      if ((view.ptr.get(text)?.rank ?? 4) > rank) view.ptr.set(text, { rank, target });
      for (const port of slice.ports) addSrv(port, { port: port.port, target });
    }
  }
  return view;
}

function addAddress(into: Addresses, ip: Ip): void {
  const list = ip.family === 4 ? into.v4 : into.v6;
  const text = formatIp(ip);
  if (!list.includes(text)) list.push(text);
}

/** 4.3.2.1.in-addr.arpa -> 1.2.3.4, the 32 nibbles of an ip6.arpa name -> the IPv6 address; canonical, or null. */
export function ipOfReverseName(name: string): string | null {
  const n = normalizeName(name);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(n);
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  let text: string | null = null;
  if (v4 !== null) text = [v4[4], v4[3], v4[2], v4[1]].join('.');
  if (v6 !== null) text = v6[1].split('.').slice(0, 32).reverse().join('').replace(/(.{4})(?!$)/g, '$1:');
  const ip = text === null ? null : tryParseIp(text);
  return ip === null || (v4 !== null) !== (ip.family === 4) ? null : formatIp(ip);
}
