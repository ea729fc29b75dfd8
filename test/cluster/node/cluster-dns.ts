// The cluster DNS (contract 10): A records for <svc>.<ns>.svc.cluster.local (a headless Service answers
// with its ready endpoints' IPs, <hostname>.<svc>.<ns>... with that pod's IP), a CNAME for an ExternalName
// Service, NXDOMAIN for other cluster names, REFUSED for everything else: it never forwards a query off
// this machine (so an ExternalName's target outside cluster.local is not resolved further). Only in the
// host-access topology do names outside cluster.local go to an upstream: the workstation's DNS relay.
import dns2, { type DnsServer } from 'dns2';

import { forwardDns } from './dns-forward.js';

import type { KubeObject } from './kube-client.js';

const { Packet } = dns2;
const CLUSTER_DOMAIN = 'cluster.local';
const TTL = 5;
// dns2's type declarations lack Packet.RCODE: the numbers are RFC 1035's.
const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface ServiceObject extends KubeObject {
  spec?: { clusterIP?: string; type?: string; externalName?: string; ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[]; selector?: Record<string, string> };
}
export interface EndpointsObject extends KubeObject {
  subsets?: { addresses?: { ip: string; hostname?: string; targetRef?: { name?: string } }[]; ports?: { name?: string; port: number; protocol?: string }[] }[];
}

export interface DnsData {
  service(namespace: string, name: string): ServiceObject | undefined;
  endpoints(namespace: string, name: string): EndpointsObject | undefined;
}

/** `cname`: the name is an alias (the addresses, if any, are the target's). */
export type DnsAnswer = { rcode: 'NOERROR'; addresses: string[]; cname?: string } | { rcode: 'NXDOMAIN' | 'REFUSED' };

/** The answer to an A (or any other type: then `addresses` is empty when the name exists) question. */
export function answer(name: string, type: 'A' | 'other', data: DnsData): DnsAnswer {
  const direct = answerName(name, type, data);
  if (direct.rcode !== 'NOERROR' || direct.cname === undefined) return direct;
  // An alias of a cluster name is followed once, as CoreDNS does; an outside target is left to the client.
  const target = direct.cname.toLowerCase();
  const chased = type === 'A' && (target === CLUSTER_DOMAIN || target.endsWith(`.${CLUSTER_DOMAIN}`)) ? answerName(target, 'A', data) : undefined;
  return { ...direct, addresses: chased?.rcode === 'NOERROR' && chased.cname === undefined ? chased.addresses : [] };
}

function answerName(name: string, type: 'A' | 'other', data: DnsData): DnsAnswer {
  const fqdn = name.toLowerCase().replace(/\.$/, '');
  if (fqdn !== CLUSTER_DOMAIN && !fqdn.endsWith(`.${CLUSTER_DOMAIN}`)) return { rcode: 'REFUSED' };
  const labels = fqdn.slice(0, -CLUSTER_DOMAIN.length - 1).split('.');
  if (labels.length < 3 || labels.length > 4 || labels[labels.length - 1] !== 'svc') return { rcode: 'NXDOMAIN' };
  const [host, svcName, ns] = labels.length === 4 ? labels : [undefined, ...labels];
  const svc = data.service(ns!, svcName!);
  if (!svc) return { rcode: 'NXDOMAIN' };
  if (svc.spec?.type === 'ExternalName') {
    // Every query type gets the CNAME (RFC 1034: an alias has no other records).
    if (host !== undefined || !svc.spec.externalName) return { rcode: 'NXDOMAIN' };
    return { rcode: 'NOERROR', addresses: [], cname: svc.spec.externalName.replace(/\.$/, '') };
  }
  const headless = svc.spec?.clusterIP === 'None';
  let addresses: string[];
  if (host === undefined && !headless) {
    addresses = svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  } else {
    const all = (data.endpoints(ns!, svcName!)?.subsets ?? []).flatMap((s) => s.addresses ?? []);
    const chosen = host === undefined ? all : all.filter((a) => (a.hostname ?? '') === host);
    if (host !== undefined && chosen.length === 0) return { rcode: 'NXDOMAIN' };
    addresses = [...new Set(chosen.map((a) => a.ip))];
  }
  return { rcode: 'NOERROR', addresses: type === 'A' ? addresses : [] };
}

/**
 * Serves `answer` on address:port over UDP and TCP; `onQuery` hears of every question (the query log).
 * `upstream` (asked per question, so a topology change needs no restart): where names outside
 * cluster.local are forwarded instead of being REFUSED; no reply from there is no reply from us.
 */
export async function serveClusterDns(address: string, port: number, data: DnsData, onQuery: (name: string, type: number) => void = () => {},
  upstream: () => { address: string; port: number } | undefined = () => undefined): Promise<DnsServer> {
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      if (!question) {
        response.header.rcode = RCODE.FORMERR;
        return send(response);
      }
      onQuery(question.name, question.type);
      const result = answer(question.name, question.type === Packet.TYPE.A ? 'A' : 'other', data);
      const forwardTo = result.rcode === 'REFUSED' ? upstream() : undefined;
      if (forwardTo !== undefined) {
        void forwardDns(request.toBuffer(), forwardTo.address, forwardTo.port).then((reply) => (reply ? send(reply) : undefined));
        return;
      }
      response.header.aa = result.rcode !== 'REFUSED' ? 1 : 0;
      response.header.ra = 0;
      response.header.rcode = RCODE[result.rcode];
      if (result.rcode === 'NOERROR') {
        if (result.cname !== undefined) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: TTL, domain: result.cname }));
        }
        const owner = result.cname !== undefined ? { ...question, name: result.cname } : question;
        for (const ip of result.addresses) {
          response.answers.push(Packet.createResourceFromQuestion(owner, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: TTL, address: ip }));
        }
      }
      send(response);
    },
  });
  await server.listen({ udp: { port, address }, tcp: { port, address } });
  return server;
}
