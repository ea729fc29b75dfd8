// The redirect stack's packet path without a TUN (no root): packets go in through onPacket(), the
// packets it writes are collected. T is 127.0.0.1 so the listener can bind; the fakes are 127.0.0.2-6.
import { expect } from 'chai';
import { PassThrough, type Duplex } from 'node:stream';
import { buildUdp, ipv4ToInt, TCP_ACK, TCP_SYN } from '../../../src/vif/ipv4.js';
import { RedirectStack } from '../../../src/vif/redirect.js';
import { describePacket, tcpPacket } from './packets.js';

const ip = (s: string) => ipv4ToInt(s)!;
const CLIENT = ip('10.77.0.2');
const DEST = ip('211.55.0.10');

describe('vif RedirectStack (packets in, packets out)', () => {
  let stack: RedirectStack;
  let written: string[];
  let dials: string[];
  let answer: (dest: string, port: number) => Promise<Duplex>;
  let port: number;

  const settle = () => new Promise((r) => setTimeout(r, 20));

  beforeEach(async () => {
    written = [];
    dials = [];
    answer = async () => new PassThrough();
    stack = new RedirectStack(
      {
        address: ip('127.0.0.1'),
        pool: { first: ip('127.0.0.1'), last: ip('127.0.0.6'), exclude: [ip('127.0.0.1'), ip('127.0.0.6')] },
        connect: (dest, p) => (dials.push(`${dest}:${p}`), answer(dest, p)),
        translate: (d) => d.replace(/^211\.55\./, '10.130.'),
        dns: { ip: ip('127.0.0.6'), port: 53, onDnsPacket: (q, reply, from) => reply(Buffer.from(`re ${q} for ${from.ip}:${from.port}`)) },
        lingerMs: 1000,
        connectTimeoutMs: 200,
        log: () => {},
      },
      (pkt, len) => (written.push(describePacket(Buffer.from(pkt).subarray(0, len))), true),
    );
    port = await stack.listen();
  });

  afterEach(() => stack.close());

  it('dials the translated IP, then writes the SYN back as F:sport -> T:listen; replies go out as D:dport', async () => {
    const syn = tcpPacket(CLIENT, 40000, DEST, 80, TCP_SYN, new Uint8Array(0), 5000);
    stack.onPacket(syn, syn.length);
    await settle();
    expect(dials).to.deep.equal(['10.130.0.10:80']);
    expect(written).to.deep.equal([`127.0.0.2:40000 > 127.0.0.1:${port} S seq 5000 ack 0`]);
    const synAck = tcpPacket(ip('127.0.0.1'), port, ip('127.0.0.2'), 40000, TCP_SYN | TCP_ACK, new Uint8Array(0), 9000, 5001);
    stack.onPacket(synAck, synAck.length);
    expect(written[1]).to.equal('211.55.0.10:80 > 10.77.0.2:40000 SA seq 9000 ack 5001');
    const ack = tcpPacket(CLIENT, 40000, DEST, 80, TCP_ACK, Buffer.from('GET /'), 5001, 9001);
    stack.onPacket(ack, ack.length);
    expect(written[2]).to.equal(`127.0.0.2:40000 > 127.0.0.1:${port} A seq 5001 ack 9001`);
  });

  it('a SYN retransmitted while dialling is not written twice', async () => {
    let release: (s: Duplex) => void = () => {};
    answer = () => new Promise((r) => (release = r));
    const syn = tcpPacket(CLIENT, 40001, DEST, 80, TCP_SYN, new Uint8Array(0), 7000);
    stack.onPacket(syn, syn.length);
    stack.onPacket(syn, syn.length);
    await settle();
    expect([dials.length, written.length]).to.deep.equal([1, 0]);
    release(new PassThrough());
    await settle();
    expect(written).to.deep.equal([`127.0.0.2:40001 > 127.0.0.1:${port} S seq 7000 ack 0`]);
  });

  const refusals: [string, () => Promise<Duplex>][] = [
    ['refused', () => Promise.reject(new Error('connect ECONNREFUSED'))],
    ['never answering (connect timeout 200 ms)', () => new Promise<Duplex>(() => {})],
  ];
  for (const [what, connect] of refusals) {
    it(`a ${what} destination: RST+ACK to the client, no NAT entry left`, async () => {
      answer = connect;
      const syn = tcpPacket(CLIENT, 40002, DEST, 81, TCP_SYN, new Uint8Array(0), 100);
      stack.onPacket(syn, syn.length);
      await new Promise((r) => setTimeout(r, 250));
      expect(written).to.deep.equal(['211.55.0.10:81 > 10.77.0.2:40002 RA seq 0 ack 101']);
      expect([stack.stats.refused, stack.nat.size]).to.deep.equal([1, 0]);
    });
  }

  it('a segment of an unknown connection is reset at its ack number, without a dial', () => {
    const seg = tcpPacket(CLIENT, 40003, DEST, 80, TCP_ACK, Buffer.from('x'), 300, 4242);
    stack.onPacket(seg, seg.length);
    expect([written, dials]).to.deep.equal([['211.55.0.10:80 > 10.77.0.2:40003 R seq 4242 ack 0'], []]);
  });

  it('a SYN to the VIF subnet itself is refused without a dial', () => {
    const syn = tcpPacket(CLIENT, 40004, ip('127.0.0.4'), 80, TCP_SYN, new Uint8Array(0), 10);
    stack.onPacket(syn, syn.length);
    expect([written, dials]).to.deep.equal([['127.0.0.4:80 > 10.77.0.2:40004 RA seq 0 ack 11'], []]);
  });

  it('UDP to the DNS address goes to onDnsPacket after the read (never on the packet path), the reply comes from it; other UDP is dropped', async () => {
    const query = buildUdp(CLIENT, 5353, ip('127.0.0.6'), 53, Buffer.from('q?'));
    const other = buildUdp(CLIENT, 5353, ip('127.0.0.6'), 54, Buffer.from('q?'));
    stack.onPacket(query, query.length);
    stack.onPacket(other, other.length);
    expect(written).to.deep.equal([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).to.deep.equal(['127.0.0.6:53 > 10.77.0.2:5353 UDP re q? for 10.77.0.2:5353']);
    expect(stack.stats.dropped).to.equal(1);
  });
});
