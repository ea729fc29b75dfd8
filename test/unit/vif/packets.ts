// Test packets for the VIF units: IPv4 TCP segments with correct checksums, as the kernel hands them out.
import { headerChecksum, transportChecksum, PROTO_TCP } from '../../../src/vif/ipv4.js';

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
