// Seeded fuzz of the VIF's packet path without a TUN: mutated IPv4 TCP and UDP packets (SYNs, data,
// FINs, RSTs, the listener's replies, datagrams to the DNS address, IPv6 and fragments) into
// RedirectStack.onPacket. No exception may escape; every packet it writes parses, and keeps valid
// checksums when the one it rewrote had them; DNS datagrams reach the handler whole. After each
// batch a valid SYN is still dialled and carried through a real loopback accept, and once the clock
// passes every flow's time the NAT table is empty, every cluster stream destroyed, fds and heap back.
import { expect } from 'chai';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import {
  buildUdp, headerChecksum, intToIpv4, ipv4ToInt, parseIpv4, transportChecksum, PROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
} from '../../../src/vif/ipv4.js';
import { RedirectStack } from '../../../src/vif/redirect.js';
import { expectBaseline, FUZZ_SEED, hex, resources, runFuzz, type Fuzz, type LengthField, type Resources } from '../../helpers/fuzz.js';
import { waitFor } from '../../helpers/poll.js';
import { tcpPacket } from './packets.js';

const INPUTS = 12_000;
const BATCHES = 10;
const BATCH_MS = 10_000;
const INPUT_MS = 500;

const ip = (s: string) => ipv4ToInt(s)!;
const CLIENT = ip('10.77.0.2');
const DEST = ip('211.55.0.10');
const T = ip('127.0.0.1');
const DNS = ip('127.0.0.6');
const NONE = new Uint8Array(0);
/** `A echo.demo`, one question. */
const DNS_QUERY = Buffer.from(`000101000001000000000000${Buffer.from('\x04echo\x04demo\x00').toString('hex')}00010001`, 'hex');

/** Checksums as a receiver checks them; null when the packet does not parse as IPv4 TCP/UDP. */
function checksumsValid(pkt: Uint8Array): boolean | null {
  const p = parseIpv4(pkt, pkt.length);
  if (!p) return null;
  const field = p.l4 + (p.proto === PROTO_TCP ? 16 : 6);
  const stored = (pkt[field] << 8) | pkt[field + 1];
  return ((pkt[10] << 8) | pkt[11]) === headerChecksum(pkt) && stored === transportChecksum(pkt, p.l4, p.length, p.proto, p.src, p.dst);
}

/** Recomputes the IP header and transport checksums of a packet that parses (others are left). */
function fixChecksums(pkt: Buffer): void {
  const p = parseIpv4(pkt, pkt.length);
  if (!p) return;
  pkt.writeUInt16BE(headerChecksum(pkt), 10);
  pkt.writeUInt16BE(transportChecksum(pkt, p.l4, p.length, p.proto, p.src, p.dst), p.l4 + (p.proto === PROTO_TCP ? 16 : 6));
}

/** A TCP SYN over IPv6 (the stack refuses it with a RST), as the kernel would hand it out. */
function ipv6Syn(): Buffer {
  const b = Buffer.alloc(60);
  b[0] = 0x60;
  b.writeUInt16BE(20, 4);
  b[6] = PROTO_TCP;
  b[7] = 64;
  b[23] = 1;
  b[39] = 2;
  b.writeUInt16BE(40100, 40);
  b.writeUInt16BE(80, 42);
  b.writeUInt32BE(77, 44);
  b[52] = 5 << 4;
  b[53] = TCP_SYN;
  return b;
}

const TCP_FIELDS: LengthField[] = [{ offset: 0, size: 1 }, { offset: 2, size: 2 }, { offset: 6, size: 2 }, { offset: 32, size: 1 }];
const UDP_FIELDS: LengthField[] = [{ offset: 0, size: 1 }, { offset: 2, size: 2 }, { offset: 24, size: 2 }];

describe(`fuzz: the VIF packet path (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(BATCHES * BATCH_MS);
  let stack: RedirectStack;
  let port: number;
  let clock = 1_000_000;
  let written: Buffer[] = [];
  let dnsQueries: Buffer[] = [];
  const streams: Duplex[] = [];
  const peers: net.Socket[] = [];
  let base: Resources;

  /** The cluster side, by destination port: open, refused, closed on arrival, late, or never (the dial times out). */
  function connect(_dest: string, dport: number): Promise<Duplex> {
    const stream = () => {
      const s = new PassThrough();
      streams.push(s);
      return s;
    };
    switch (dport % 8) {
      case 1: return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      case 2: return Promise.resolve(stream().destroy());
      case 3: return new Promise((resolve) => setImmediate(() => resolve(stream())));
      case 4: return dport % 64 === 4 ? new Promise<Duplex>(() => {}) : Promise.resolve(stream());
      default: return Promise.resolve(stream());
    }
  }

  before(async () => {
    stack = new RedirectStack(
      {
        address: T,
        pool: { first: ip('127.0.0.1'), last: ip('127.0.0.6'), exclude: [T, DNS] },
        connect,
        translate: (d) => d.replace(/^211\.55\./, '10.130.'),
        dns: {
          ip: DNS, port: 53,
          onDnsPacket: (q, reply) => {
            dnsQueries.push(q);
            if (q.length % 3 === 0) reply(Buffer.from('answer'));
            else if (q.length % 3 === 1) setImmediate(() => reply(q));
          },
        },
        lingerMs: 100,
        connectTimeoutMs: 200,
        log: () => {},
        now: () => clock,
      },
      (pkt, len) => (written.push(Buffer.from(pkt.subarray(0, len))), true),
    );
    port = await stack.listen();
    await validSyn(30000); // the first accept opens what the process keeps (a warm-up)
    await drained();
    base = resources();
  });
  after(async () => {
    await stack.close();
    for (const s of peers) s.destroy();
  });

  /** Packets as the kernel hands them out, to be mutated. */
  const seeds = (): { bytes: Buffer; fields: LengthField[] }[] => [
    { bytes: tcpPacket(CLIENT, 40000, DEST, 80, TCP_SYN, NONE, 5000), fields: TCP_FIELDS },
    { bytes: tcpPacket(CLIENT, 40001, DEST, 8081, TCP_SYN, NONE, 7), fields: TCP_FIELDS },
    { bytes: tcpPacket(CLIENT, 40000, DEST, 80, TCP_ACK | 0x08, Buffer.from('GET / HTTP/1.1\r\n\r\n'), 5001, 9001), fields: TCP_FIELDS },
    { bytes: tcpPacket(CLIENT, 40000, DEST, 80, TCP_FIN | TCP_ACK, NONE, 5020, 9001), fields: TCP_FIELDS },
    { bytes: tcpPacket(CLIENT, 40000, DEST, 80, TCP_RST, NONE, 5020), fields: TCP_FIELDS },
    { bytes: tcpPacket(T, port, ip('127.0.0.2'), 40000, TCP_SYN | TCP_ACK, NONE, 9000, 5001), fields: TCP_FIELDS },
    { bytes: tcpPacket(T, port, ip('127.0.0.3'), 40001, TCP_ACK, Buffer.from('HTTP/1.1 200 OK\r\n'), 9001, 8), fields: TCP_FIELDS },
    { bytes: tcpPacket(CLIENT, 40002, ip('127.0.0.4'), 80, TCP_SYN, NONE, 1), fields: TCP_FIELDS },
    { bytes: buildUdp(CLIENT, 5353, DNS, 53, DNS_QUERY), fields: UDP_FIELDS },
    { bytes: buildUdp(CLIENT, 5354, DNS, 53, Buffer.from('00010100ffffffffffffffff', 'hex')), fields: UDP_FIELDS },
    { bytes: buildUdp(CLIENT, 5353, DEST, 53, Buffer.from('q')), fields: UDP_FIELDS },
    { bytes: ipv6Syn(), fields: [{ offset: 4, size: 2 }] },
  ];

  /** The packet with 1 to 3 of its addresses, ports, flags, sequence numbers changed, checksums right. */
  function rewired(fuzz: Fuzz, seed: Buffer): Buffer {
    const pkt = Buffer.from(seed);
    const p = parseIpv4(pkt, pkt.length);
    if (!p) return pkt;
    const hosts = [CLIENT, DEST, T, ip('127.0.0.2'), ip('127.0.0.3'), ip('127.0.0.5'), DNS, ip('10.130.0.10'), fuzz.int(2 ** 32)];
    const ports = [40000, 40001, 40002, 80, 8081, 53, port, 0, fuzz.int(65536)];
    for (let edits = 1 + fuzz.int(3); edits > 0; edits--) {
      switch (fuzz.int(5)) {
        case 0: pkt.writeUInt32BE(fuzz.pick(hosts), 12 + 4 * fuzz.int(2)); break;
        case 1: pkt.writeUInt16BE(fuzz.pick(ports), p.l4 + 2 * fuzz.int(2)); break;
        case 2: if (p.proto === PROTO_TCP) pkt[p.l4 + 13] = fuzz.pick([TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, fuzz.int(256)]); break;
        case 3: if (p.proto === PROTO_TCP) pkt.writeUInt32BE(fuzz.int(2 ** 32), p.l4 + 4 + 4 * fuzz.int(2)); break;
        default: pkt[9] = fuzz.pick([PROTO_TCP, 17, 1]);
      }
    }
    fixChecksums(pkt);
    return pkt;
  }

  /** A SYN from a client of its own is dialled, written to the listener, accepted and carried both ways. */
  async function validSyn(sport: number): Promise<void> {
    const client = ip('10.99.0.1');
    const before = written.length;
    const syn = tcpPacket(client, sport, DEST, 80, TCP_SYN, NONE, 100);
    stack.onPacket(syn, syn.length);
    const flow = await waitFor('the valid SYN dialled', 1000, () => {
      const f = stack.nat.outgoing(client, sport, DEST, 80);
      return f?.state === 'open' ? f : undefined;
    }, 2);
    const out = written.slice(before).map((w) => [parseIpv4(w, w.length)!, checksumsValid(w)] as const).filter(([p]) => p?.sport === sport);
    expect(out.map(([p, ok]) => `${intToIpv4(p.src)}:${p.sport} > ${intToIpv4(p.dst)}:${p.dport} ${p.flags} ${ok}`))
      .to.deep.equal([`${intToIpv4(flow.fake)}:${sport} > 127.0.0.1:${port} ${TCP_SYN} true`]);
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: intToIpv4(flow.fake), localPort: sport });
    peers.push(socket);
    let echoed = '';
    socket.on('data', (d: Buffer) => (echoed += d.toString()));
    socket.on('error', () => undefined);
    socket.write('ping'); // the PassThrough stream echoes it
    await waitFor('the echo through the cluster stream', 1000, () => (echoed === 'ping' ? true : undefined), 2);
    socket.end();
    await new Promise((resolve) => socket.once('close', resolve));
  }

  /** Past every flow's time: the sweep empties the table and destroys every stream. */
  async function drained(): Promise<void> {
    clock += 3_600_000;
    await waitFor('the NAT table empty after the sweep', 2000, () => (stack.nat.size === 0 ? true : undefined), 10);
    await waitFor('every cluster stream destroyed', 1000, () => (streams.every((s) => s.destroyed) ? true : undefined), 10);
    streams.length = 0;
  }

  it(`${INPUTS} mutated packets: no exception, written packets parse with their checksums kept, DNS datagrams whole; then a valid SYN carried and nothing left`, async () => {
    const reused = Buffer.alloc(65_536); // as the TUN's read buffer: reused, so the stack must copy what it keeps
    const kinds = { tcp: 0, udp: 0, other: 0, writes: 0 };
    let all: ReturnType<typeof seeds> = [];
    const report = await runFuzz<Buffer>({
      what: 'VIF packets', seed: FUZZ_SEED, offset: 30, inputs: INPUTS, batches: BATCHES, batchMs: BATCH_MS, inputMs: INPUT_MS,
      make: (fuzz) => {
        if (all.length === 0) all = seeds();
        const seed = fuzz.pick(all);
        // Half the inputs are valid packets with other addresses, ports and flags (they meet the flows of
        // earlier inputs: data, FINs and replies of known connections); the rest and a third of those are byte-mutated.
        let pkt = fuzz.int(2) === 0 ? rewired(fuzz, seed.bytes) : seed.bytes;
        if (pkt === seed.bytes || fuzz.int(3) === 0) pkt = fuzz.mutateBytes(pkt, { fields: seed.fields, donors: all.map((s) => s.bytes), maxLength: 2048 });
        // A TUN hands out whole packets: most say their true length, and many have their checksums
        // right, so that the mutations reach past the parser.
        if (pkt.length >= 4 && fuzz.int(3) > 0) pkt.writeUInt16BE(pkt.length, 2);
        if (fuzz.int(2) === 0) fixChecksums(pkt);
        return pkt;
      },
      show: hex,
      feed: async (pkt) => {
        written = [];
        dnsQueries = [];
        const p = parseIpv4(pkt, pkt.length);
        const valid = p && checksumsValid(pkt);
        pkt.copy(reused);
        stack.onPacket(reused, pkt.length);
        const sync = written.length;
        reused.fill(0xee, 0, pkt.length);
        // A DNS datagram may be handed on after the read (off the packet path): one turn later at most.
        await new Promise((r) => setImmediate(r));
        for (const [i, w] of written.entries()) {
          const ok = checksumsValid(w);
          // An IPv6 RST is the only packet that does not parse as IPv4. A rewrite of this input keeps
          // valid checksums valid; what the stack builds (a RST the input did not carry, a UDP answer)
          // is always valid. Later writes (a dial of an earlier SYN completing) are the SYN rewritten, or built.
          if (ok === null && w[0] >> 4 !== 6) throw new Error(`wrote a packet that does not parse: ${hex(w)}`);
          const q = ok === null ? null : parseIpv4(w, w.length)!;
          const rst = q !== null && (q.flags & TCP_RST) !== 0;
          const built = q !== null && (q.proto !== PROTO_TCP || (i < sync ? rst && (p === null || (p.flags & TCP_RST) === 0) : rst && !(q.flags & TCP_SYN)));
          if (ok === false && ((i < sync && valid) || built)) throw new Error(`wrote a packet with a bad checksum: ${hex(w)}`);
        }
        kinds.writes += written.length;
        const toDns = p !== null && p.proto === 17 && p.dst === DNS && p.dport === 53;
        const want = toDns ? [hex(pkt.subarray(p.l4 + 8, p.length))] : [];
        if (JSON.stringify(dnsQueries.map(hex)) !== JSON.stringify(want)) throw new Error(`DNS handler got ${JSON.stringify(dnsQueries.map(hex))}, expected ${JSON.stringify(want)}`);
        if (p?.proto === PROTO_TCP) kinds.tcp++;
        else if (p) kinds.udp++;
        else kinds.other++;
      },
      afterBatch: async (batch) => {
        await validSyn(30001 + batch);
        await drained();
        await expectBaseline('VIF packets', base);
      },
    });
    // Each path is taken, and packets come out: the mutators are neither too weak nor too strong.
    expect(Math.min(kinds.tcp, kinds.udp, kinds.other), JSON.stringify(kinds)).to.be.above(INPUTS / 20);
    expect(kinds.writes, JSON.stringify(kinds)).to.be.above(INPUTS / 4);
    expect(report.slowestBatchMs).to.be.below(BATCH_MS);
  });
});
