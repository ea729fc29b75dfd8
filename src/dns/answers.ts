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

/** A copy of one record with its address translated when it lies in a VNAT'd subnet. */
export function translateRecord(record: DnsRecord, translate: TranslateIp | undefined): DnsRecord {
  if (translate === undefined || (record.type !== TYPE.A && record.type !== TYPE.AAAA) || record.address === undefined) {
    return { ...record };
  }
  const virtual = translate(record.address);
  return virtual === undefined ? { ...record } : { ...record, address: virtual };
}

/** The cluster's result for (`asked`, `type`) as the workstation should see it; the input is not changed. */
export function rewriteClusterResult(asked: string, type: number, result: LookupResult, opts: RewriteOptions): LookupResult {
  const key = normalizeName(asked);
  const shape = (record: DnsRecord): DnsRecord => {
    const copy = translateRecord(record, opts.translate);
    if (normalizeName(copy.name) === key) copy.name = asked;
    copy.ttl = Math.min(copy.ttl, opts.ttlSeconds);
    return copy;
  };
  return {
    rcode: result.rcode,
    answers: result.answers.filter(keepFor(type)).map(shape),
    authorities: (result.authorities ?? []).map(shape),
  };
}
