// The pod's DNS server over a long run of what a hostile or careless peer sends: thousands of
// distinct probes (each would teach a suffix), distinct names, malformed datagrams and TCP clients
// that never finish. Memory (after a full GC) and open fds return to where they were; what it
// learned stays within its cap; it answers correctly at the end.
import { expect } from 'chai';
import dgram from 'node:dgram';
import net from 'node:net';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { MAX_SEARCH_SUFFIXES } from '../../../proxy-pod/src/dns/policy.js';
import { buildQuery, Packet, TYPE } from '../../../src/dns/index.js';
import { resources } from '../../helpers/fuzz.js';
import { waitFor } from '../../helpers/poll.js';

const heapAfterGc = () => resources().heapUsed;
const openFds = () => resources().fds;

/**
 * Sends datagrams make(0..count-1) from one socket, at most `window` unanswered at a time (the window
 * refills every 200 ms for the ones dropped on purpose). Made as sent, so the test holds none of them.
 */
async function blast(port: number, count: number, make: (i: number) => Buffer, window = 64): Promise<number> {
  const socket = dgram.createSocket('udp4');
  let answered = 0;
  let next = 0;
  let outstanding = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (outstanding < window && next < count) {
        outstanding += 1;
        socket.send(make(next++), port, '127.0.0.1');
      }
      if (outstanding === 0 && next >= count) resolve();
    };
    socket.on('message', () => {
      answered += 1;
      outstanding -= 1;
      pump();
    });
    // Datagrams the server drops on purpose get no reply: let the window refill on a timer.
    const timer = setInterval(() => {
      outstanding = 0;
      pump();
      if (next >= count) {
        clearInterval(timer);
        resolve();
      }
    }, 200);
    pump();
  });
  socket.close();
  return answered;
}

describe("pod DNS server: flat memory and fds over a long hostile run", function () {
  this.timeout(120_000);

  it('10,000 distinct probes, 10,000 distinct names, 5,000 malformed datagrams, 200 stalled TCP clients', async () => {
    const server = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ web: ['10.96.0.5'] }) });
    try {
      // Warm up the code paths, then take the baseline.
      await blast(server.udpPort, 500, (i) => buildQuery(`warm${i}`, TYPE.A, i).toBuffer());
      const heapBefore = heapAfterGc();
      const fdsBefore = openFds();

      const probe = (i: number) => buildQuery(`hellotelepresence-${i}.s${i}.example`, TYPE.A, i & 0xffff).toBuffer();
      const name = (i: number) => buildQuery(`name-${i}.ns`, TYPE.A, i & 0xffff).toBuffer();
      const malformed = (i: number) => {
        const b = buildQuery(`bad-${i}`, TYPE.A, i & 0xffff).toBuffer();
        b.writeUInt16BE(1 + (i % 7), 4 + 2 * (i % 4)); // a count that lies
        return b;
      };
      const answered = (await blast(server.udpPort, 10_000, probe)) + (await blast(server.udpPort, 10_000, name)) + (await blast(server.udpPort, 5_000, malformed));
      expect(answered).to.be.at.least(20_000);
      const stalled = await Promise.all(
        Array.from({ length: 200 }, () => new Promise<net.Socket>((resolve) => {
          const s = net.connect(server.tcpPort, '127.0.0.1', () => { s.write(Buffer.from([0, 30, 1])); resolve(s); });
          s.on('error', () => undefined);
        })),
      );
      stalled.forEach((s) => s.destroy());

      expect(server.suffixes.list()).to.have.length(MAX_SEARCH_SUFFIXES);
      const reply = await new Promise<Buffer>((resolve) => {
        const s = dgram.createSocket('udp4');
        s.on('message', (m) => { s.close(); resolve(m); });
        s.send(buildQuery('web', TYPE.A, 77).toBuffer(), server.udpPort, '127.0.0.1');
      });
      expect(Packet.parse(reply).answers.map((a) => a.address)).to.deep.equal(['10.96.0.5']);

      // fds: the stalled clients' sockets are closed on both sides once the server sees the close.
      await waitFor('the fds to be back to the baseline', 10_000, () => (openFds() <= fdsBefore ? true : undefined), 50).catch(() => undefined);
      expect(openFds()).to.be.at.most(fdsBefore);
      const grownMb = (heapAfterGc() - heapBefore) / 2 ** 20;
      console.log(`      heap after GC: ${grownMb >= 0 ? "+" : ""}${grownMb.toFixed(2)} MB over the run; fds ${fdsBefore} -> ${openFds()}`);
      expect(grownMb, `heap grew ${grownMb.toFixed(1)} MB`).to.be.below(4);
    } finally {
      await server.close();
    }
  });
});
