// Fuzz of both DNS servers (the pod's and the workstation's) on real loopback sockets: per server 8,000
// mutated datagrams over UDP and 2,000 mutated frames over TCP (a connection each), made from valid
// queries, probes, responses and lying headers. Every reply is a well-formed DNS response (or a bare
// FORMERR/NOTIMP header), no exception escapes, no input stalls, a real question is answered after
// every batch, and fds and heap are back to their baseline at the end. TP_FUZZ_SEED=N replays a run.
import { expect } from 'chai';
import dgram from 'node:dgram';
import net from 'node:net';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { MAX_SEARCH_SUFFIXES } from '../../../proxy-pod/src/dns/policy.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { buildQuery, listenWorkstationDns, Packet, TYPE, WorkstationDns, type DnsPacket } from '../../../src/dns/index.js';
import { DEFAULT_EXCLUDE_SUFFIXES } from '../../../src/engine/index.js';
import { checkDnsMessage } from '../../../src/protocol/index.js';
import { expectBaseline, FUZZ_SEED, resources, runFuzz, type Fuzz, hex } from '../../helpers/fuzz.js';

const COUNT_FIELDS = [4, 6, 8, 10].map((offset) => ({ offset, size: 2 as const }));

function seeds(): Buffer[] {
  const q = (name: string, type: number, build?: (p: DnsPacket) => void) => {
    const p = buildQuery(name, type, 0x1234);
    build?.(p);
    return p.toBuffer();
  };
  const response = (() => {
    const p = Packet.createResponseFromRequest(buildQuery('web', TYPE.A, 9));
    p.answers.push({ name: 'web', type: TYPE.A, class: 1, ttl: 4, address: '10.96.0.5' } as never);
    p.answers.push({ name: 'web', type: TYPE.CNAME, class: 1, ttl: 4, domain: 'web.ns.svc.cluster.local' } as never);
    return p.toBuffer();
  })();
  return [
    q('web', TYPE.A), q('web.ns.svc.cluster.local', TYPE.AAAA), q('5.0.96.10.in-addr.arpa', TYPE.PTR), q('_http._tcp.web', TYPE.SRV),
    q('web', TYPE.TXT), q('hellotelepresence-1.example.com', TYPE.A), q('localhost', TYPE.A),
    q('web', TYPE.A, (p) => p.additionals.push(Packet.Resource.EDNS([]) as never)),
    response, Buffer.from('0001 0100 ffff ffff ffff ffff'.replace(/ /g, ''), 'hex'),
  ];
}

/** A reply is a response that passes the wire check, or the bare error header (no question). */
function wellFormed(reply: Buffer): string | null {
  if (checkDnsMessage(reply, 'response').ok) return null;
  const bare = reply.length === 12 && (reply[2] & 0x80) !== 0 && [1, 2, 4].includes(reply[3] & 0x0f) && reply.subarray(4).every((b) => b === 0);
  return bare ? null : `a malformed reply: ${hex(reply)}`;
}

interface Target {
  udpPort: number;
  tcpPort: number;
  extra?(): void;
  close(): Promise<void>;
}

const servers: { name: string; offset: number; start(): Promise<Target> }[] = [
  {
    name: "the pod's",
    offset: 0x5100,
    start: async () => {
      const s = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ web: ['10.96.0.5'] }) });
      return {
        udpPort: s.udpPort, tcpPort: s.tcpPort, close: () => s.close(),
        extra: () => expect(s.suffixes.list().length).to.be.at.most(MAX_SEARCH_SUFFIXES),
      };
    },
  },
  {
    name: "the workstation's",
    offset: 0x5200,
    start: async () => {
      const resolver = new WorkstationDns({
        policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: [], searchPath: [] },
        clusterLookup: async (name) => (name === 'web'
          ? { rcode: 0, answers: [{ name, type: TYPE.A, class: 1, ttl: 4, address: '10.96.0.5' } as never] }
          : { rcode: 3, answers: [] }),
      });
      const l = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
      return { udpPort: l.port, tcpPort: l.port, close: () => l.close() };
    },
  },
];

function tcpOnce(port: number, frame: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let got = Buffer.alloc(0);
    const s = net.connect(port, '127.0.0.1', () => s.end(frame));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      while (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        replies.push(got.subarray(2, 2 + got.readUInt16BE(0)));
        got = got.subarray(2 + got.readUInt16BE(0));
      }
    });
    s.on('error', () => undefined); // a reset is one way a server may drop a client
    s.on('close', () => (got.length > 0 ? reject(new Error(`a cut reply: ${hex(got)}`)) : resolve(replies)));
  });
}

describe(`fuzz: DNS servers on loopback (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(120_000);
  const donors = seeds();
  const make = (fuzz: Fuzz) => fuzz.mutateBytes(fuzz.pick(donors), { fields: COUNT_FIELDS, donors, maxLength: 6000 });

  for (const server of servers) {
    it(`${server.name}: 8,000 UDP datagrams and 2,000 TCP frames, each answered (id and form) or dropped as the wire check says, a real question answered after every batch`, async () => {
      const base = resources();
      const target = await server.start();
      const client = dgram.createSocket('udp4');
      const problems: string[] = [];
      let replies = 0;
      let sentinel: ((m: Buffer) => void) | null = null;
      /** The input whose reply is awaited (one at a time, so a reply belongs to it). */
      let awaited: { id: number; resolve(): void } | null = null;
      client.on('message', (m: Buffer) => {
        replies += 1;
        if (m.length >= 2 && m.readUInt16BE(0) === 0xfeed && sentinel) return sentinel(m);
        const bad = wellFormed(m);
        if (bad) problems.push(bad);
        if (awaited === null) problems.push(`a reply to a message that should have been dropped: ${hex(m)}`);
        else if (m.readUInt16BE(0) !== awaited.id) problems.push(`a reply with id ${m.readUInt16BE(0)} to a message with id ${awaited.id}`);
        awaited?.resolve();
        awaited = null;
      });
      const askWeb = async () => {
        // UDP: asked again each second (a loaded machine may still be working through the batch), 5 s at most.
        const answered = new Promise<Buffer>((resolve) => (sentinel = resolve));
        let udp: Buffer | null = null;
        for (let attempt = 0; attempt < 5 && udp === null; attempt++) {
          client.send(buildQuery('web', TYPE.A, 0xfeed).toBuffer(), target.udpPort, '127.0.0.1');
          udp = await Promise.race([answered, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
        }
        sentinel = null;
        expect(udp && Packet.parse(udp).answers.map((a) => a.address), 'a real question over UDP').to.deep.equal(['10.96.0.5']);
        const body = buildQuery('web', TYPE.A, 0xbeef).toBuffer();
        const [tcp] = await tcpOnce(target.tcpPort, Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]));
        expect(Packet.parse(tcp).answers.map((a) => a.address), 'a real question over TCP').to.deep.equal(['10.96.0.5']);
        target.extra?.();
        expect(problems).to.deep.equal([]);
      };
      try {
        const udp = await runFuzz({
          what: `${server.name} DNS server over UDP`, seed: FUZZ_SEED, offset: server.offset, inputs: 8000, batches: 8, batchMs: 15_000,
          make, show: hex,
          // One at a time: a message the wire check answers must get its reply within 2 s; the
          // others (responses, runts) are dropped, so the next reply is the next message's.
          feed: (bytes) => new Promise<void>((resolve, reject) => {
            const verdict = checkDnsMessage(bytes, 'query');
            if (!verdict.ok && verdict.rcode === null) return client.send(bytes, target.udpPort, '127.0.0.1', () => resolve());
            const timer = setTimeout(() => reject(new Error('no reply within 2 s')), 2000);
            awaited = { id: (bytes[0] << 8) | bytes[1], resolve: () => { clearTimeout(timer); resolve(); } };
            client.send(bytes, target.udpPort, '127.0.0.1');
          }),
          afterBatch: async () => {
            await askWeb();
          },
        });
        const tcp = await runFuzz({
          what: `${server.name} DNS server over TCP`, seed: FUZZ_SEED, offset: server.offset + 1, inputs: 2000, batches: 4, batchMs: 15_000, inputMs: 5000,
          parallel: 8, make, show: hex,
          feed: async (bytes, index) => {
            // Framed as sent, or (every fourth) with a length that lies about it.
            const length = index % 4 === 3 ? (bytes.length + (index % 3) - 1) & 0xffff : bytes.length;
            for (const reply of await tcpOnce(target.tcpPort, Buffer.concat([Buffer.from([length >> 8, length & 0xff]), bytes]))) {
              const bad = wellFormed(reply);
              if (bad) problems.push(bad);
            }
          },
          afterBatch: askWeb,
        });
        console.log(`      UDP ${udp.inputs} in ${udp.ms.toFixed(0)} ms (${replies} replies), TCP ${tcp.inputs} in ${tcp.ms.toFixed(0)} ms, slowest batch ${Math.max(udp.slowestBatchMs, tcp.slowestBatchMs).toFixed(0)} ms`);
      } finally {
        client.close();
        await target.close();
      }
      await expectBaseline(`${server.name} DNS server fuzz`, base, { fdSlack: 2, heapSlack: 8 * 2 ** 20, timeoutMs: 5000 });
    });
  }
});
