// The check every DNS message passes before a parser sees it (dns2 loops to the header's counts and
// trusts each record's length). One pass over the bytes, bounded by the message's length whatever the
// header claims. PURE: bytes in, a verdict out.

/** Header size (RFC 1035 4.1.1). */
export const DNS_HEADER_BYTES = 12;
/** A query carries one question and at most an OPT record and a signature: more is not a query of ours. */
export const DNS_MAX_QUERY_BYTES = 4096;
/** Names (RFC 1035 2.3.4): 255 octets in all, 63 a label. */
export const DNS_MAX_NAME = 255;
export const DNS_MAX_LABEL = 63;

export const WIRE_RCODE = { FORMERR: 1, SERVFAIL: 2, NOTIMP: 4 } as const;

const MIN_QUESTION = 5; // root name + type + class
const MIN_RECORD = 11; // root name + type, class, ttl, rdlength
const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, CAA: 257, DNSKEY: 48 } as const;
const ECS_OPTION = 8;

export type DnsCheck =
  | { ok: true }
  /** `rcode`: what to answer (FORMERR, NOTIMP); null: drop silently (not a query, or no header to answer). */
  | { ok: false; reason: string; rcode: number | null };

const drop = (reason: string): DnsCheck => ({ ok: false, reason, rcode: null });
const formerr = (reason: string): DnsCheck => ({ ok: false, reason, rcode: WIRE_RCODE.FORMERR });

/**
 * Checks `bytes` as a query (to a server) or a response (to the stream client): the direction bit,
 * opcode QUERY, exactly one question, the counts against the length, every name (labels within 63,
 * names within 255, compression pointers only backwards) and every record's data against its length
 * in the shape dns2's decoder for that type reads, so that a parse reads exactly these bytes.
 */
export function checkDnsMessage(bytes: Uint8Array, kind: 'query' | 'response'): DnsCheck {
  const length = bytes.length;
  if (length < DNS_HEADER_BYTES) return drop(`${length} bytes: shorter than a DNS header`);
  const qr = bytes[2] >> 7;
  if (kind === 'query' && qr !== 0) return drop('a response sent as a query');
  if (kind === 'response' && qr !== 1) return drop('a query sent as a response');
  if (kind === 'query' && length > DNS_MAX_QUERY_BYTES) return formerr(`${length} bytes: larger than a query (${DNS_MAX_QUERY_BYTES})`);
  const opcode = (bytes[2] >> 3) & 0x0f;
  if (opcode !== 0) return kind === 'query' ? { ok: false, reason: `opcode ${opcode}`, rcode: WIRE_RCODE.NOTIMP } : drop(`opcode ${opcode}`);
  const count = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  const qd = count(4);
  const records = count(6) + count(8) + count(10);
  if (qd !== 1) return formerr(`${qd} questions (exactly one is answered)`);
  // Constant time: the counts cannot fit the bytes there are.
  if (!countsFit(bytes)) return formerr(`the header claims ${records} records in ${length} bytes`);
  let at = skipName(bytes, DNS_HEADER_BYTES, length);
  if (at < 0 || at + 4 > length) return formerr('the question is malformed');
  at += 4;
  for (let i = 0; i < records; i++) {
    const end = skipName(bytes, at, length);
    if (end < 0 || end + 10 > length) return formerr(`record ${i + 1} is malformed`);
    const type = count(end);
    const rdlength = count(end + 8);
    const data = end + 10;
    if (data + rdlength > length) return formerr(`record ${i + 1}'s data runs past the message`);
    if (!rdataFits(bytes, type, data, data + rdlength)) return formerr(`record ${i + 1} (type ${type}) has malformed data`);
    at = data + rdlength;
  }
  return { ok: true };
}

/**
 * Constant time: whether the questions and records the header counts can fit in the message's bytes
 * (a question takes at least 5, a record 11). A header claiming 65,535 of each fails at once.
 */
export function countsFit(bytes: Uint8Array): boolean {
  if (bytes.length < DNS_HEADER_BYTES) return false;
  const count = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  return DNS_HEADER_BYTES + MIN_QUESTION * count(4) + MIN_RECORD * (count(6) + count(8) + count(10)) <= bytes.length;
}

/**
 * The offset just past the name at `at`; -1 for a malformed one. A pointer must point before the name
 * that holds it (each hop moves backwards, so there are no loops), and at most 127 hops are taken.
 */
export function skipName(bytes: Uint8Array, at: number, limit: number): number {
  let pos = at;
  let end = -1; // where the name ends in the message: after its first pointer, or its root label
  let floor = at; // a pointer must point below this
  let total = 1;
  for (let hops = 0; hops <= 127; ) {
    if (pos >= limit) return -1;
    const len = bytes[pos];
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= limit) return -1;
      const target = ((len & 0x3f) << 8) | bytes[pos + 1];
      if (end < 0) end = pos + 2;
      if (target >= floor) return -1;
      floor = target;
      pos = target;
      hops += 1;
      continue;
    }
    if (len & 0xc0) return -1; // 01 and 10: reserved label types
    if (len === 0) return end < 0 ? pos + 1 : end;
    total += len + 1;
    if (len > DNS_MAX_LABEL || total > DNS_MAX_NAME || pos + 1 + len > limit) return -1;
    pos += 1 + len;
  }
  return -1;
}

/** Does [from, to) hold data of `type` in the shape the decoder reads, all of it and no more? */
function rdataFits(bytes: Uint8Array, type: number, from: number, to: number): boolean {
  const size = to - from;
  // A name inside the data must end where the data (or its fixed tail) ends; its own pointers may
  // reach back anywhere in the message before it.
  const nameThen = (at: number, tail: number) => at < to && skipName(bytes, at, to) === to - tail;
  switch (type) {
    case T.A:
      return size === 4;
    case T.AAAA:
      return size === 16;
    case T.NS:
    case T.CNAME:
    case T.PTR:
      return nameThen(from, 0);
    case T.MX:
      return size > 2 && nameThen(from + 2, 0);
    case T.SRV:
      return size > 6 && nameThen(from + 6, 0);
    case T.SOA: {
      const second = skipName(bytes, from, to);
      return second > from && nameThen(second, 20);
    }
    case T.TXT: {
      let at = from;
      while (at < to) at += 1 + bytes[at];
      return at === to;
    }
    case T.OPT:
      return ednsOptionsFit(bytes, from, to);
    case T.CAA:
      return size >= 2;
    case T.DNSKEY:
      return size >= 4;
    default:
      return true; // read as `size` raw bytes
  }
}

function ednsOptionsFit(bytes: Uint8Array, from: number, to: number): boolean {
  let at = from;
  while (at < to) {
    if (at + 4 > to) return false;
    const code = (bytes[at] << 8) | bytes[at + 1];
    const size = (bytes[at + 2] << 8) | bytes[at + 3];
    if (at + 4 + size > to) return false;
    if (code === ECS_OPTION) {
      // family, source and scope prefix, then as many address bytes as the decoder reads for it
      if (size < 4) return false;
      const family = (bytes[at + 4] << 8) | bytes[at + 5];
      const address = size - 4;
      if (!(family === 1 && address <= 4) && !(family === 2 && address <= 16 && address % 2 === 0)) return false;
    }
    at += 4 + size;
  }
  return true;
}

/** The reply to a message that failed the check: its id, opcode and RD, QR set, no sections. */
export function dnsErrorReply(bytes: Uint8Array, rcode: number): Uint8Array {
  const reply = new Uint8Array(DNS_HEADER_BYTES);
  reply[0] = bytes[0] ?? 0;
  reply[1] = bytes[1] ?? 0;
  reply[2] = 0x80 | ((bytes[2] ?? 0) & 0x79); // QR, the opcode and RD of the query
  reply[3] = 0x80 | (rcode & 0x0f); // RA
  return reply;
}
