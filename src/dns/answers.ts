// What the workstation makes of a cluster answer before handing it out: only records of the asked
// type (the pod answers AAAA with A records, a Telepresence 1 work-around for macOS), named as asked,
// with a short TTL, and A/AAAA addresses of VNAT'd subnets replaced by their virtual IPs.
import { normalizeName, TYPE, type DnsRecord, type LookupResult } from './records.js';

/** The VNAT translation: the virtual IP for a cluster IP in a VNAT'd subnet, else undefined. */
export type TranslateIp = (ip: string) => string | undefined;

/** Answer TTL handed to the workstation's stub resolver (Telepresence 2: 4 s). */
export const CLUSTER_ANSWER_TTL_SECONDS = 4;

export interface RewriteOptions {
  ttlSeconds: number;
  translate?: TranslateIp;
}

function keepFor(type: number): (record: DnsRecord) => boolean {
  if (type !== TYPE.A && type !== TYPE.AAAA) return () => true;
  return (record) => record.type === type || record.type === TYPE.CNAME;
}

/** ::ffff:a.b.c.d in the hex spelling dns2 can encode: an IPv6 socket reaches the IPv4 address. */
export function ipv4MappedIpv6(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  return `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * A copy of one record with its address translated when it lies in a VNAT'd subnet. The virtual
 * subnet has one family: an AAAA record whose virtual IP is IPv4 carries it IPv4-mapped; an A
 * record whose virtual IP is IPv6 cannot carry it and is dropped (null).
 */
export function translateRecord(record: DnsRecord, translate: TranslateIp | undefined): DnsRecord | null {
  if (translate === undefined || (record.type !== TYPE.A && record.type !== TYPE.AAAA) || record.address === undefined) {
    return { ...record };
  }
  const virtual = translate(record.address);
  if (virtual === undefined) return { ...record };
  const virtualIsV4 = !virtual.includes(':');
  if (record.type === TYPE.A) return virtualIsV4 ? { ...record, address: virtual } : null;
  return { ...record, address: virtualIsV4 ? ipv4MappedIpv6(virtual) : virtual };
}

/** The cluster's result for (`asked`, `type`) as the workstation should see it; the input is not changed. */
export function rewriteClusterResult(asked: string, type: number, result: LookupResult, opts: RewriteOptions): LookupResult {
  const key = normalizeName(asked);
  const shape = (record: DnsRecord): DnsRecord | null => {
    const copy = translateRecord(record, opts.translate);
    if (copy === null) return null;
    if (normalizeName(copy.name) === key) copy.name = asked;
    copy.ttl = Math.min(copy.ttl, opts.ttlSeconds);
    return copy;
  };
  return {
    rcode: result.rcode,
    answers: result.answers.filter(keepFor(type)).map(shape).filter((r) => r !== null),
    authorities: (result.authorities ?? []).map(shape).filter((r) => r !== null),
  };
}
