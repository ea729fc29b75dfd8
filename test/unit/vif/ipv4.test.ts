// IPv4/TCP/UDP headers of the VIF: parse tables, incremental checksums against a full recompute on
// seeded random packets, and the RST and UDP packets we build.
import { expect } from 'chai';
import { adjust, adjust32, finish, onesSum } from '../../../src/vif/checksum.js';
import {
  buildRst, buildRst6, buildUdp, headerChecksum, intToIpv4, ipv4ToInt, parseIpv4, readU32, rewriteTcp, transportChecksum,
  PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN,
} from '../../../src/vif/ipv4.js';
import { tcpPacket } from './packets.js';

/** A seeded PRNG (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ip = (s: string) => ipv4ToInt(s)!;

describe('vif ipv4: checksums', () => {
  it('onesSum and finish give the RFC 1071 example', () => {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
    const data = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(onesSum(data, 0, 8).toString(16)).to.equal('ddf2');
    expect(finish(0xddf2).toString(16)).to.equal('220d');
  });

  it('adjust and adjust32 agree with a full recompute (table)', () => {
    const cases: [number[], number, number][] = [
      [[0x0a00, 0x0001, 0x1f90], 0x0a000001, 0xc6120005],
      [[0xffff, 0xffff, 0x0000], 0xffffffff, 0x00000000],
      [[0x0000, 0x0000, 0x0001], 0x00000000, 0xffffffff],
    ];
    for (const [words, from, to] of cases) {
      const before = Buffer.alloc(words.length * 2 + 4);
      words.forEach((w, i) => before.writeUInt16BE(w, i * 2));
      before.writeUInt32BE(from, words.length * 2);
      const after = Buffer.from(before);
      after.writeUInt32BE(to, words.length * 2);
      const old = finish(onesSum(before, 0, before.length));
      expect(adjust32(old, from, to), `from ${from.toString(16)} to ${to.toString(16)}`).to.equal(finish(onesSum(after, 0, after.length)));
      expect(adjust(old, [from >>> 16, to >>> 16, from & 0xffff, to & 0xffff])).to.equal(finish(onesSum(after, 0, after.length)));
    }
  });

  it('rewriteTcp keeps both checksums equal to a full recompute on 2000 random packets', () => {
    const rand = rng(1624);
    const u32 = () => Math.floor(rand() * 2 ** 32) >>> 0;
    const u16 = () => Math.floor(rand() * 65536);
    for (let i = 0; i < 2000; i++) {
      const payload = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      const pkt = tcpPacket(u32(), u16(), u32(), u16(), TCP_ACK | TCP_PSH, payload, u32(), u32());
      const p = parseIpv4(pkt, pkt.length)!;
      const [src, sport, dst, dport] = [u32(), u16(), u32(), u16()];
      rewriteTcp(pkt, p, src, sport, dst, dport);
      expect(pkt.readUInt16BE(10), `IP checksum, packet ${i}`).to.equal(headerChecksum(pkt));
      expect(pkt.readUInt16BE(36), `TCP checksum, packet ${i}`).to.equal(transportChecksum(pkt, 20, pkt.length, PROTO_TCP, src, dst));
      expect([readU32(pkt, 12), pkt.readUInt16BE(20), readU32(pkt, 16), pkt.readUInt16BE(22)]).to.deep.equal([src, sport, dst, dport]);
    }
  });
});

describe('vif ipv4: parse', () => {
  const syn = tcpPacket(ip('198.18.0.1'), 40000, ip('10.130.0.10'), 80, TCP_SYN, new Uint8Array(0));
  const udp = buildUdp(ip('198.18.0.1'), 5353, ip('198.18.0.2'), 53, Buffer.from('q'));
  const variant = (base: Buffer, edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(base);
    edit(b);
    return b;
  };
  const cases: [string, Buffer, number, object | null][] = [
    ['a TCP SYN', syn, syn.length, { proto: PROTO_TCP, src: ip('198.18.0.1'), sport: 40000, dst: ip('10.130.0.10'), dport: 80, l4: 20, length: 40, flags: TCP_SYN }],
    ['a UDP query', udp, udp.length, { proto: PROTO_UDP, src: ip('198.18.0.1'), sport: 5353, dst: ip('198.18.0.2'), dport: 53, l4: 20, length: 29, flags: 0 }],
    ['IPv6', variant(syn, (b) => (b[0] = 0x60)), 40, null],
    ['a header shorter than 20 bytes', syn, 19, null],
    ['a total length beyond the bytes read', syn, 39, null],
    ['a fragment (MF set)', variant(syn, (b) => (b[6] = 0x20)), 40, null],
    ['a later fragment (offset 8)', variant(syn, (b) => (b[7] = 1)), 40, null],
    ['ICMP', variant(syn, (b) => (b[9] = 1)), 40, null],
    ['a TCP header cut short', variant(syn, (b) => b.writeUInt16BE(30, 2)), 40, null],
  ];
  for (const [what, buf, n, want] of cases) {
    it(`${what} -> ${want ? 'parsed' : 'null'}`, () => {
      const got = parseIpv4(buf, n);
      if (want === null) expect(got).to.equal(null);
      else expect(got).to.deep.equal(want);
    });
  }
});

describe('vif ipv4: packets we build', () => {
  const client = ip('198.18.0.1');
  const dest = ip('10.130.0.10');
  const cases: [string, Buffer, number, number, number][] = [
    // [case, segment from the client, flags of the RST, its seq, its ack]
    ['a SYN is refused with RST+ACK of seq+1', tcpPacket(client, 40000, dest, 80, TCP_SYN, new Uint8Array(0), 1000), TCP_RST | TCP_ACK, 0, 1001],
    ['an ACK segment gets a RST at its ack number', tcpPacket(client, 40000, dest, 80, TCP_ACK | TCP_PSH, Buffer.from('GET'), 1000, 777), TCP_RST, 777, 0],
    ['a bare FIN is acknowledged by seq+len+1', tcpPacket(client, 40000, dest, 80, TCP_FIN, Buffer.from('ab'), 1000), TCP_RST | TCP_ACK, 0, 1003],
  ];
  for (const [what, seg, flags, seq, ack] of cases) {
    it(what, () => {
      const rst = buildRst(seg, parseIpv4(seg, seg.length)!);
      const p = parseIpv4(rst, rst.length)!;
      expect([intToIpv4(p.src), p.sport, intToIpv4(p.dst), p.dport, p.flags]).to.deep.equal(['10.130.0.10', 80, '198.18.0.1', 40000, flags]);
      expect([readU32(rst, 24), readU32(rst, 28)]).to.deep.equal([seq, ack]);
      expect(rst.readUInt16BE(10)).to.equal(headerChecksum(rst));
      expect(rst.readUInt16BE(36)).to.equal(transportChecksum(rst, 20, 40, PROTO_TCP, p.src, p.dst));
    });
  }

  it('a UDP answer carries the payload with valid checksums', () => {
    const pkt = buildUdp(ip('198.18.0.2'), 53, client, 5353, Buffer.from('answer'));
    expect(pkt.length).to.equal(34);
    expect(pkt.subarray(28).toString()).to.equal('answer');
    expect(pkt.readUInt16BE(24)).to.equal(14);
    expect(pkt.readUInt16BE(10)).to.equal(headerChecksum(pkt));
    expect(pkt.readUInt16BE(26)).to.equal(transportChecksum(pkt, 20, 34, PROTO_UDP, ip('198.18.0.2'), client));
  });

  it('an IPv6 SYN gets an IPv6 RST+ACK with a valid checksum; IPv6 UDP and RSTs get nothing', () => {
    const syn = Buffer.alloc(60);
    syn[0] = 0x60;
    syn.writeUInt16BE(20, 4);
    syn[6] = PROTO_TCP;
    syn[7] = 64;
    Buffer.from('fd000077000000000000000000000002', 'hex').copy(syn, 8);
    Buffer.from('fd000130000000000000000000000010', 'hex').copy(syn, 24);
    syn.writeUInt16BE(40000, 40);
    syn.writeUInt16BE(80, 42);
    syn.writeUInt32BE(0xfffffffe, 44); // the ack wraps around 2^32
    syn[52] = 5 << 4;
    syn[53] = TCP_SYN;
    const rst = buildRst6(syn, 60)!;
    expect([rst.toString('hex', 8, 24), rst.toString('hex', 24, 40), rst.readUInt16BE(40), rst.readUInt16BE(42)]).to.deep.equal([
      'fd000130000000000000000000000010', 'fd000077000000000000000000000002', 80, 40000,
    ]);
    expect([rst.readUInt32BE(44), rst.readUInt32BE(48), rst[53]]).to.deep.equal([0, 0xffffffff, TCP_RST | TCP_ACK]);
    // The one's-complement sum over pseudo-header and segment, checksum included, is 0xffff.
    const pseudo = onesSum(rst, 8, 40) + 20 + PROTO_TCP;
    expect(onesSum(rst, 40, 60, pseudo)).to.equal(0xffff);
    expect(buildRst6(rst, 60)).to.equal(null);
    const udp = Buffer.from(syn);
    udp[6] = PROTO_UDP;
    expect(buildRst6(udp, 60)).to.equal(null);
  });

  it('ipv4ToInt and intToIpv4 (table)', () => {
    const table: [string, number | null][] = [['0.0.0.0', 0], ['255.255.255.255', 0xffffffff], ['10.130.0.10', 0x0a82000a], ['256.0.0.1', null], ['10.1.2', null], ['::1', null]];
    for (const [text, value] of table) {
      expect(ipv4ToInt(text), text).to.equal(value);
      if (value !== null) expect(intToIpv4(value)).to.equal(text);
    }
  });
});
