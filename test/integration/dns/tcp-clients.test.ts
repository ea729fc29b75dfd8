// Both DNS servers' TCP side: an idle client and a half-sent one are dropped after the idle time (dns2 alone
// only half-closed them and kept the socket), and an answer still comes for a real question after.
import { expect } from 'chai';
import net from 'node:net';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { buildQuery, listenWorkstationDns, TYPE, WorkstationDns } from '../../../src/dns/index.js';
import { DEFAULT_EXCLUDE_SUFFIXES } from '../../../src/engine/index.js';
import { DNS_TCP_IDLE_MS } from '../../../src/protocol/index.js';

/**
 * Resolves with the ms until the server dropped the connection (after `bytes` were sent). A server
 * that only half-closes still reads: the bytes written after its FIN are taken, and nothing closes.
 * One that destroyed its socket answers them with a reset.
 */
function droppedAfter(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    let endedAt = 0;
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(bytes));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('end', () => {
      endedAt = Date.now() - started;
      const poke = () => { if (!socket.destroyed) { socket.write(Buffer.from([0])); setTimeout(poke, 100); } };
      poke();
    });
    socket.on('close', () => resolve(endedAt || Date.now() - started));
  });
}

function tcpQuery(port: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = buildQuery(name, TYPE.A, 7).toBuffer();
    const frame = Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
    const socket = net.connect(port, '127.0.0.1', () => socket.write(frame));
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        socket.destroy();
        resolve(got.subarray(2));
      }
    });
  });
}

describe('DNS servers: idle and half-sent TCP clients are dropped', function () {
  this.timeout(30_000);
  const servers: { name: string; start(): Promise<{ port: number; close(): Promise<void> }> }[] = [
    {
      name: "the pod's",
      start: async () => {
        const s = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ web: ['10.96.0.5'] }) });
        return { port: s.tcpPort, close: () => s.close() };
      },
    },
    {
      name: "the workstation's",
      start: async () => {
        const resolver = new WorkstationDns({
          policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: [], searchPath: [] },
          clusterLookup: async () => ({ rcode: 0, answers: [] }),
        });
        const l = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
        return { port: l.port, close: () => l.close() };
      },
    },
  ];
  for (const server of servers) {
    it(`${server.name}: after the idle time, then it still answers`, async () => {
      const s = await server.start();
      try {
        const [idle, half] = await Promise.all([droppedAfter(s.port, Buffer.alloc(0)), droppedAfter(s.port, Buffer.from([0, 40, 1, 2, 3]))]);
        // Dropped by the server (the client never closes: the promise resolves only on the server's end or
        // reset) and not before the idle time; how late a loaded machine runs the timer is not asserted.
        for (const ms of [idle, half]) expect(ms).to.be.at.least(DNS_TCP_IDLE_MS - 500);
        const answer = await tcpQuery(s.port, 'localhost');
        expect(answer.readUInt16BE(0)).to.equal(7);
      } finally {
        await s.close();
      }
    });
  }
});
