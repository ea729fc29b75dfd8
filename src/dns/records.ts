// The DNS vocabulary shared by the workstation DNS server's parts: dns2's packet types, response
// codes, and the Lookup contract that the cluster side and the original resolver both fulfil.
import dns2 from 'dns2';

export const { Packet } = dns2;
export type DnsPacket = InstanceType<typeof Packet>;
export type DnsQuestion = DnsPacket['questions'][number];
export type DnsRecord = DnsPacket['answers'][number];

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export const TYPE = Packet.TYPE;

/** What a resolver said about one (name, type): the code, the answers, and the authority section (SOA). */
export interface LookupResult {
  rcode: number;
  answers: DnsRecord[];
  authorities?: DnsRecord[];
}

/**
 * Resolves one question. Rejects only when there was no answer at all (timeout, closed stream);
 * NXDOMAIN and friends are results.
 */
export type Lookup = (name: string, type: number) => Promise<LookupResult>;

/** Lower case, no trailing dot: the form used for keys and policy decisions. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v as number, k]));

/** A, AAAA, ... or TYPE65 for a type dns2 has no name for (RFC 3597 spelling). */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v as number, k]));

export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/** One line for the log: `A web.ns -> NOERROR 10.96.0.5, 10.96.0.6`. */
export function describeResult(name: string, type: number, result: LookupResult): string {
  const shown = result.answers.map((a) => a.address ?? a.domain ?? a.target ?? typeName(a.type));
  return `${typeName(type)} ${name} -> ${rcodeName(result.rcode)}${shown.length > 0 ? ` ${shown.join(', ')}` : ''}`;
}

/** A query packet for one question, recursion desired. */
export function buildQuery(name: string, type: number, id: number): DnsPacket {
  const query = new Packet();
  query.header.id = id;
  query.header.rd = 1;
  query.questions.push({ name, type, class: Packet.CLASS.IN } as DnsQuestion);
  return query;
}
