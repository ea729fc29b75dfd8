// Both DNS servers (the pod's and the workstation's) on real loopback sockets, fed what an attacker
// or a broken stub sends: a header lying about its counts, thousands of questions in one message,
// oversized TCP frames, a response where a query belongs, a client that pipelines without limit.
// Each must be answered or dropped at once, with no look-up, and the server must answer after it.
import { expect } from 'chai';
import dgram from 'node:dgram';
import net from 'node:net';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver, type PodResolver } from '../../../proxy-pod/src/resolver.js';
import { buildQuery, listenWorkstationDns, Packet, TYPE, WorkstationDns } from '../../../src/dns/index.js';
import { DEFAULT_EXCLUDE_SUFFIXES } from '../../../src/engine/index.js';

const LYING_HEADER = Buffer.from('4242 0100 ffff ffff ffff ffff'.replace(/ /g, ''), 'hex');

interface Target {
  udpPort: number;
  tcpPort: number;
  /** Look-ups the server made (the pod: its resolver; the workstation: the cluster). */
  lookups(): number;
  close(): Promise<void>;
}

const servers: { name: string; start(): Promise<Target> }[] = [
  {
    name: "the pod's",
    start: async () => {
      let lookups = 0;
      const table = hostTableResolver({ web: ['10.96.0.5'] });
      const resolver: PodResolver = { lookupIPv4: (n) => ((lookups += 1), table.lookupIPv4(n)), reverse: (ip) => table.reverse(ip) };
      const s = await listenPodDns({ host: '127.0.0.1', port: 0, resolver });
      return { udpPort: s.udpPort, tcpPort: s.tcpPort, lookups: () => lookups, close: () => s.close() };
    },
  },
  {
    name: "the workstation's",
    start: async () => {
      let lookups = 0;
      const resolver = new WorkstationDns({
        policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: [], searchPath: [] },
        clusterLookup: async (name) => {
          lookups += 1;
          return { rcode: 0, answers: [{ name, type: TYPE.A, class: 1, ttl: 4, address: '10.96.0.5' } as never] };
        },
      });
      const l = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
      return { udpPort: l.port, tcpPort: l.port, lookups: () => lookups, close: () => l.close() };
    },
  },
];

function udpExchange(port: number, bytes: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => finish(null), timeoutMs);
    const finish = (reply: Buffer | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (reply) => finish(reply));
    socket.send(bytes, port, '127.0.0.1');
  });
}

const frame = (body: Buffer) => Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);

/** Writes `bytes`; collects the framed replies until `want` came or the server closed. */
function tcpExchange(port: number, bytes: Buffer, want: number, timeoutMs = 5000): Promise<{ replies: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const replies: Buffer[] = [];
    let got = Buffer.alloc(0);
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ replies, closed });
    };
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      while (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        replies.push(got.subarray(2, 2 + got.readUInt16BE(0)));
        got = got.subarray(2 + got.readUInt16BE(0));
      }
      if (replies.length >= want) finish(false);
    });
    socket.on('close', () => finish(true));
  });
}

/** One datagram of `n` questions for the root name (5 bytes each: 10,000 fit one datagram). */
function manyQuestions(n: number): Buffer {
  const header = Buffer.from([0x12, 0x34, 0x01, 0x00, n >> 8, n & 0xff, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, Buffer.alloc(n * 5, Buffer.from([0, 0, 1, 0, 1]))]);
}

const rcodeOf = (reply: Buffer | undefined | null) => (reply ? reply[3] & 0x0f : null);

describe('DNS servers: hostile messages are answered or dropped at once, without a look-up', function () {
  this.timeout(30_000);
  for (const server of servers) {
    describe(server.name, () => {
      let target: Target;
      before(async () => (target = await server.start()));
      after(() => target.close());

      it('UDP: the 12-byte header claiming 65,535 records per section gets FORMERR (an answer before the client\'s 2 s timeout), then a real question is answered', async () => {
        const reply = await udpExchange(target.udpPort, LYING_HEADER);
        expect([reply?.readUInt16BE(0), rcodeOf(reply)]).to.deep.equal([0x4242, 1]);
        const answer = Packet.parse((await udpExchange(target.udpPort, buildQuery('web', TYPE.A, 9).toBuffer()))!);
        expect(answer.answers.map((a) => a.address)).to.deep.equal(['10.96.0.5']);
      });

      it('TCP: the same header gets FORMERR on a connection that then answers a real question', async () => {
        const { replies } = await tcpExchange(target.tcpPort, Buffer.concat([frame(LYING_HEADER), frame(buildQuery('web', TYPE.A, 9).toBuffer())]), 2);
        expect(replies.map((r) => [r.readUInt16BE(0), rcodeOf(r)])).to.deep.equal([[0x4242, 1], [9, 0]]);
      });

      it('one datagram of 10,000 questions: FORMERR and not one look-up', async () => {
        const before = target.lookups();
        const reply = await udpExchange(target.udpPort, manyQuestions(10_000));
        expect([reply?.readUInt16BE(0), rcodeOf(reply), target.lookups() - before]).to.deep.equal([0x1234, 1, 0]);
      });

      it('a response sent as a query is dropped (no reply to reflect), over UDP and TCP', async () => {
        const response = buildQuery('web', TYPE.A, 5).toBuffer();
        response[2] |= 0x80;
        expect(await udpExchange(target.udpPort, response, 300)).to.equal(null);
        expect(await tcpExchange(target.tcpPort, frame(response), 1)).to.deep.equal({ replies: [], closed: true });
      });

      it('TCP: a frame announcing more than a query can hold (5,000 bytes) closes the connection', async () => {
        const { replies, closed } = await tcpExchange(target.tcpPort, Buffer.from([0x13, 0x88, 0, 0]), 1);
        expect([replies.length, closed]).to.deep.equal([0, true]);
      });

      it('TCP: 300 questions pipelined on one connection are all answered (read in turns of 32 in flight)', async () => {
        const queries = Buffer.concat(Array.from({ length: 300 }, (_, i) => frame(buildQuery('web', TYPE.A, i).toBuffer())));
        const { replies } = await tcpExchange(target.tcpPort, queries, 300, 10_000);
        expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
      });
    });
  }
});
