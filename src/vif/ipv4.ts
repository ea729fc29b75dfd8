// IPv4 + TCP/UDP headers as the VIF needs them: parse the few fields the NAT looks at, rewrite
// addresses and ports in place with incremental checksums, and build the packets we originate
// (a TCP RST for a refused connection, a UDP answer from the DNS address). Pure: no I/O.
import { adjust32, adjust, finish, onesSum } from './checksum.js';

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** The fields of one IPv4 TCP or UDP packet that the VIF uses; `l4` is the transport header offset. */
export interface Ipv4Packet {
  proto: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  l4: number;
  /** Total length from the IP header (bytes of the buffer that belong to the packet). */
  length: number;
  /** TCP flags, 0 for UDP. */
  flags: number;
}

/** Parses an IPv4 TCP/UDP packet; null for anything else, for fragments and for truncated packets. */
export function parseIpv4(buf: Uint8Array, n: number): Ipv4Packet | null {
  if (n < 20 || buf[0] >> 4 !== 4) return null;
  const ihl = (buf[0] & 0x0f) * 4;
  const length = (buf[2] << 8) | buf[3];
  if (ihl < 20 || length > n || length < ihl) return null;
  // A fragment (MF set or a non-zero offset) carries no complete transport header to rewrite.
  if (((buf[6] & 0x3f) << 8 | buf[7]) !== 0) return null;
  const proto = buf[9];
  const need = proto === PROTO_TCP ? 20 : proto === PROTO_UDP ? 8 : -1;
  if (need < 0 || length < ihl + need) return null;
  return {
    proto,
    src: readU32(buf, 12),
    dst: readU32(buf, 16),
    sport: (buf[ihl] << 8) | buf[ihl + 1],
    dport: (buf[ihl + 2] << 8) | buf[ihl + 3],
    l4: ihl,
    length,
    flags: proto === PROTO_TCP ? buf[ihl + 13] : 0,
  };
}

/**
 * Rewrites source and destination of a parsed TCP packet in place, with incremental updates of
 * the IP header checksum and the TCP checksum (whose pseudo-header holds both addresses).
 */
export function rewriteTcp(buf: Uint8Array, p: Ipv4Packet, src: number, sport: number, dst: number, dport: number): void {
  let ipSum = (buf[10] << 8) | buf[11];
  ipSum = adjust32(adjust32(ipSum, p.src, src), p.dst, dst);
  buf[10] = ipSum >> 8;
  buf[11] = ipSum & 0xff;
  const c = p.l4 + 16;
  let tcpSum = (buf[c] << 8) | buf[c + 1];
  tcpSum = adjust32(adjust32(tcpSum, p.src, src), p.dst, dst);
  tcpSum = adjust(tcpSum, [p.sport, sport, p.dport, dport]);
  buf[c] = tcpSum >> 8;
  buf[c + 1] = tcpSum & 0xff;
  writeU32(buf, 12, src);
  writeU32(buf, 16, dst);
  writeU16(buf, p.l4, sport);
  writeU16(buf, p.l4 + 2, dport);
  p.src = src;
  p.dst = dst;
  p.sport = sport;
  p.dport = dport;
}

/**
 * The RST that answers a TCP segment nobody will take (RFC 9293 3.10.7.1): from the segment's
 * destination back to its source; a SYN is acknowledged so the client reports "connection refused".
 */
export function buildRst(buf: Uint8Array, p: Ipv4Packet): Buffer {
  const seq = readU32(buf, p.l4 + 4);
  const ack = readU32(buf, p.l4 + 8);
  const payload = p.length - p.l4 - (buf[p.l4 + 12] >> 4) * 4;
  const hasAck = (p.flags & TCP_ACK) !== 0;
  const out = Buffer.alloc(40);
  ipHeader(out, 40, PROTO_TCP, p.dst, p.src);
  writeU16(out, 20, p.dport);
  writeU16(out, 22, p.sport);
  if (hasAck) {
    writeU32(out, 24, ack);
    out[33] = TCP_RST;
  } else {
    const consumed = payload + (p.flags & TCP_SYN ? 1 : 0) + (p.flags & TCP_FIN ? 1 : 0);
    writeU32(out, 28, (seq + consumed) >>> 0);
    out[33] = TCP_RST | TCP_ACK;
  }
  out[32] = 5 << 4;
  writeU16(out, 36, transportChecksum(out, 20, 40, PROTO_TCP, p.dst, p.src));
  return out;
}

/**
 * A bare RST src:sport -> dst:dport at seq (with ACK at ack, when known): how the VIF resets a side of
 * a connection it gives up on.
 */
export function buildTcpRst(src: number, sport: number, dst: number, dport: number, seq: number, ack: number | null): Buffer {
  const out = Buffer.alloc(40);
  ipHeader(out, 40, PROTO_TCP, src, dst);
  writeU16(out, 20, sport);
  writeU16(out, 22, dport);
  writeU32(out, 24, seq >>> 0);
  writeU32(out, 28, (ack ?? 0) >>> 0);
  out[32] = 5 << 4;
  out[33] = ack === null ? TCP_RST : TCP_RST | TCP_ACK;
  writeU16(out, 36, transportChecksum(out, 20, 40, PROTO_TCP, src, dst));
  return out;
}

/** Where a TCP segment's sequence space ends (seq + payload + SYN + FIN): what its peer acks next. */
export function seqEnd(buf: Uint8Array, p: Ipv4Packet): number {
  const payload = p.length - p.l4 - (buf[p.l4 + 12] >> 4) * 4;
  return (readU32(buf, p.l4 + 4) + payload + (p.flags & TCP_SYN ? 1 : 0) + (p.flags & TCP_FIN ? 1 : 0)) >>> 0;
}

/** A UDP packet src:sport -> dst:dport carrying payload, checksums computed. */
export function buildUdp(src: number, sport: number, dst: number, dport: number, payload: Uint8Array): Buffer {
  const length = 28 + payload.length;
  const out = Buffer.alloc(length);
  ipHeader(out, length, PROTO_UDP, src, dst);
  writeU16(out, 20, sport);
  writeU16(out, 22, dport);
  writeU16(out, 24, 8 + payload.length);
  out.set(payload, 28);
  const sum = transportChecksum(out, 20, length, PROTO_UDP, src, dst);
  writeU16(out, 26, sum === 0 ? 0xffff : sum); // 0 would mean "no checksum" (RFC 768)
  return out;
}

/** The TCP/UDP checksum of buf[start, end) with the IPv4 pseudo-header, computed in full. */
export function transportChecksum(buf: Uint8Array, start: number, end: number, proto: number, src: number, dst: number): number {
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + (end - start);
  const field = start + (proto === PROTO_TCP ? 16 : 6);
  const saved = [buf[field], buf[field + 1]];
  buf[field] = 0;
  buf[field + 1] = 0;
  const sum = finish(onesSum(buf, start, end, pseudo));
  buf[field] = saved[0];
  buf[field + 1] = saved[1];
  return sum;
}

/** The IPv4 header checksum of buf computed in full (the stored field is left out). */
export function headerChecksum(buf: Uint8Array): number {
  const ihl = (buf[0] & 0x0f) * 4;
  return finish(onesSum(buf, 12, ihl, onesSum(buf, 0, 10)));
}

function ipHeader(out: Uint8Array, length: number, proto: number, src: number, dst: number): void {
  out[0] = 0x45;
  writeU16(out, 2, length);
  out[6] = 0x40; // DF: we never build packets above the MTU
  out[8] = 64;
  out[9] = proto;
  writeU32(out, 12, src);
  writeU32(out, 16, dst);
  writeU16(out, 10, headerChecksum(out));
}

export const readU32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >> 8;
  b[o + 1] = v & 0xff;
}

/** The engine's parser, in the 32-bit form packets carry. */
export { ipv4ToInt } from '../engine/ip.js';

export const intToIpv4 = (v: number): string => `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;

/**
 * IPv6 is not carried yet: a TCP segment to a routed IPv6 destination is answered with a RST
 * (the client fails at once instead of waiting for SYN timeouts). Null for anything else.
 */
export function buildRst6(buf: Uint8Array, n: number): Buffer | null {
  if (n < 60 || buf[0] >> 4 !== 6 || buf[6] !== PROTO_TCP) return null;
  const flags = buf[40 + 13];
  if (flags & TCP_RST) return null;
  const out = Buffer.alloc(60);
  out[0] = 0x60;
  writeU16(out, 4, 20);
  out[6] = PROTO_TCP;
  out[7] = 64;
  out.set(buf.subarray(24, 40), 8); // source: the segment's destination
  out.set(buf.subarray(8, 24), 24);
  out.set(buf.subarray(42, 44), 40); // ports swapped
  out.set(buf.subarray(40, 42), 42);
  if (flags & TCP_ACK) {
    out.set(buf.subarray(48, 52), 44);
    out[53] = TCP_RST;
  } else {
    const payload = ((buf[4] << 8) | buf[5]) - (buf[52] >> 4) * 4;
    const consumed = payload + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
    writeU32(out, 48, (readU32(buf, 44) + consumed) >>> 0);
    out[53] = TCP_RST | TCP_ACK;
  }
  out[52] = 5 << 4;
  // Pseudo-header: both addresses, the upper-layer length (20) and the next header (6).
  writeU16(out, 56, finish(onesSum(out, 40, 60, onesSum(out, 8, 40) + 20 + PROTO_TCP)));
  return out;
}
