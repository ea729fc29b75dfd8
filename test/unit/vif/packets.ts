// Test packets for the VIF units: IPv4 TCP segments with correct checksums, as the kernel hands them out,
// and the text a written packet is checked against.
import { expect } from 'chai';
import {
  headerChecksum, intToIpv4, parseIpv4, readU32, transportChecksum, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN,
} from '../../../src/vif/ipv4.js';

export function tcpPacket(src: number, sport: number, dst: number, dport: number, flags: number, payload: Uint8Array, seq = 1000, ack = 0): Buffer {
  const len = 40 + payload.length;
  const b = Buffer.alloc(len);
  b[0] = 0x45;
  b.writeUInt16BE(len, 2);
  b.writeUInt16BE(0x1234, 4);
  b[6] = 0x40;
  b[8] = 64;
  b[9] = PROTO_TCP;
  b.writeUInt32BE(src, 12);
  b.writeUInt32BE(dst, 16);
  b.writeUInt16BE(headerChecksum(b), 10);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  b.writeUInt32BE(seq, 24);
  b.writeUInt32BE(ack, 28);
  b[32] = 5 << 4;
  b[33] = flags;
  b.writeUInt16BE(65535, 34);
  b.set(payload, 40);
  b.writeUInt16BE(transportChecksum(b, 20, len, PROTO_TCP, src, dst), 36);
  return b;
}

/** A written packet, checked for valid checksums and summarised as text. */
export function describePacket(pkt: Uint8Array): string {
  const b = Buffer.from(pkt);
  const p = parseIpv4(b, b.length)!;
  expect(b.readUInt16BE(10), 'IP checksum').to.equal(headerChecksum(b));
  const field = p.proto === PROTO_TCP ? 16 : 6;
  expect(b.readUInt16BE(p.l4 + field), 'transport checksum').to.equal(transportChecksum(b, p.l4, p.length, p.proto, p.src, p.dst));
  const flags = p.proto === PROTO_UDP ? 'UDP' : [[TCP_SYN, 'S'], [TCP_RST, 'R'], [TCP_ACK, 'A']].filter(([f]) => p.flags & (f as number)).map(([, n]) => n).join('');
  const tail = p.proto === PROTO_UDP ? b.subarray(28).toString() : `seq ${readU32(b, p.l4 + 4)} ack ${readU32(b, p.l4 + 8)}`;
  return `${intToIpv4(p.src)}:${p.sport} > ${intToIpv4(p.dst)}:${p.dport} ${flags} ${tail}`;
}
