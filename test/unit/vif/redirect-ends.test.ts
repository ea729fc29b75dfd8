// How a flow ends when its cluster stream does (before, during or after the accept) and when the stack
// closes, without a TUN: packets go in through onPacket(); the "accepted" connections are real loopback
// sockets from the fake source F:sport (127.0.0.2) to the listener, as the kernel would open them.
import { expect } from 'chai';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { intToIpv4, ipv4ToInt, TCP_ACK, TCP_SYN } from '../../../src/vif/ipv4.js';
import { RedirectStack } from '../../../src/vif/redirect.js';
import { waitFor } from '../../helpers/poll.js';
import { describePacket, tcpPacket } from './packets.js';

const ip = (s: string) => ipv4ToInt(s)!;
const CLIENT = ip('10.77.0.2');
const DEST = ip('211.55.0.10');
const T = ip('127.0.0.1');
const F = ip('127.0.0.2');

/** What the far end of an accepted connection saw: data, then how it ended. */
interface Peer {
  socket: net.Socket;
  data: string;
  ended: Promise<string>;
}

describe('vif RedirectStack: a cluster stream that ends ends its flow', () => {
  let stack: RedirectStack;
  let written: string[];
  let streams: Duplex[];
  let answer: () => Promise<Duplex>;
  let port: number;
  const peers: net.Socket[] = [];

  const settle = () => new Promise((r) => setTimeout(r, 20));
  const syn = (sport: number, isn: number) => tcpPacket(CLIENT, sport, DEST, 80, TCP_SYN, new Uint8Array(0), isn);
  const packet = (b: Buffer) => stack.onPacket(b, b.length);

  beforeEach(async () => {
    written = [];
    streams = [];
    answer = async () => new PassThrough();
    stack = new RedirectStack(
      {
        address: T,
        pool: { first: ip('127.0.0.1'), last: ip('127.0.0.6'), exclude: [ip('127.0.0.1'), ip('127.0.0.6')] },
        connect: async () => {
          const s = await answer();
          streams.push(s);
          return s;
        },
        lingerMs: 100,
        connectTimeoutMs: 200,
        log: () => {},
        // Every SYN here waits for its dial (the same destination is dialled again and again):
        // SYNs taken at once are redirect-early.test.ts's.
        recentDialsMs: 0,
      },
      (pkt, len) => (written.push(describePacket(Buffer.from(pkt).subarray(0, len))), true),
    );
    port = await stack.listen();
  });

  afterEach(async () => {
    await stack.close();
    for (const s of peers.splice(0)) s.destroy();
  });

  /** SYN from the client, dial done, then the kernel's connection from F:sport accepted and echoing. */
  async function accepted(sport: number): Promise<Peer> {
    packet(syn(sport, 100));
    // Each flow takes the next fake source (round-robin): connect from the one this flow got.
    const fake = await waitFor('the SYN written to the listener', 1000, () => {
      const flow = [...stack.nat.flows()].find((f) => f.sport === sport);
      return flow?.state === 'open' ? intToIpv4(flow.fake) : undefined;
    }, 5);
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: fake, localPort: sport });
    peers.push(socket);
    const peer: Peer = {
      socket,
      data: '',
      ended: new Promise((resolve) => {
        socket.on('end', () => resolve('end'));
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      }),
    };
    socket.on('data', (d: Buffer) => (peer.data += d.toString()));
    socket.write('ping'); // the PassThrough stream echoes it: the splice is up
    await waitFor('the echo through the cluster stream', 1000, () => (peer.data === 'ping' ? true : undefined), 5);
    return peer;
  }

  it('stream closes between dial and accept: client and listener reset in-window, no flow left', async () => {
    packet(syn(41000, 5000));
    await settle();
    packet(tcpPacket(T, port, F, 41000, TCP_SYN | TCP_ACK, new Uint8Array(0), 9000, 5001)); // the listener's SYN-ACK
    streams[0].destroy();
    await settle();
    expect(written.slice(2)).to.deep.equal([
      '211.55.0.10:80 > 10.77.0.2:41000 RA seq 9001 ack 5001',
      `127.0.0.2:41000 > 127.0.0.1:${port} RA seq 5001 ack 9001`,
    ]);
    expect(stack.nat.size).to.equal(0);
    // The client's ACK, already on its way, finds no flow: reset at its ack number again.
    packet(tcpPacket(CLIENT, 41000, DEST, 80, TCP_ACK, new Uint8Array(0), 5001, 9001));
    expect(written[4]).to.equal('211.55.0.10:80 > 10.77.0.2:41000 R seq 9001 ack 0');
    // Had the kernel's connection reached the accept queue anyway, it is reset on accept.
    const late = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2', localPort: 41000 });
    peers.push(late);
    expect(await new Promise((resolve) => late.on('error', (err: NodeJS.ErrnoException) => resolve(err.code)).on('end', () => resolve('end')))).to.equal('ECONNRESET');
  });

  it('stream errors before the listener answered: RST+ACK of the SYN to the client, RST to the listener', async () => {
    packet(syn(41001, 700));
    await settle();
    streams[0].destroy(new Error('channel open failed late'));
    await settle();
    expect(written.slice(1)).to.deep.equal([
      '211.55.0.10:80 > 10.77.0.2:41001 RA seq 0 ack 701',
      `127.0.0.2:41001 > 127.0.0.1:${port} R seq 701 ack 0`,
    ]);
    expect(stack.nat.size).to.equal(0);
  });

  it('a stream that comes back already closed is refused like a failed dial', async () => {
    answer = async () => new PassThrough().destroy();
    packet(syn(41002, 40));
    await settle();
    expect(written).to.deep.equal(['211.55.0.10:80 > 10.77.0.2:41002 RA seq 0 ack 41']);
    expect([stack.stats.refused, stack.nat.size]).to.deep.equal([1, 0]);
  });

  it('stream errors after the accept: the client is reset and the flow goes after its linger', async () => {
    const peer = await accepted(41003);
    streams[0].destroy(new Error('channel broke'));
    expect(await peer.ended).to.equal('ECONNRESET');
    await waitFor('the flow to be closed', 1000, () => ([...stack.nat.flows()][0]?.state === 'closed' ? true : undefined), 5);
    await waitFor('the NAT entry to expire', 2000, () => (stack.nat.size === 0 ? true : undefined), 20);
  });

  it('stream ends cleanly after the accept: the client gets its FIN, the socket closes, the flow goes', async () => {
    const peer = await accepted(41004);
    streams[0].end('bye');
    expect(await peer.ended).to.equal('end');
    expect(peer.data).to.equal('pingbye');
    await waitFor('the accepted socket to close', 2000, () => ([...stack.nat.flows()][0]?.state !== 'open' ? true : undefined), 20);
    await waitFor('the NAT entry to expire', 2000, () => (stack.nat.size === 0 ? true : undefined), 20);
  });

  it('the sweep resets an accepted flow whose stream was destroyed without a close event', async () => {
    answer = async () => new PassThrough({ emitClose: false });
    const peer = await accepted(41005);
    // A destroyed stream that never says so: only the sweep (stale after 2 x 200 ms) can end it.
    streams[0].destroy();
    expect(await peer.ended).to.equal('ECONNRESET');
    expect(stack.nat.size).to.equal(0);
  });

  it('close() with flows dialling, dialled, accepted and lingering returns at once and resets every client', async () => {
    const lingering = await accepted(41006);
    lingering.socket.end();
    expect(await lingering.ended).to.equal('end');
    const live = await accepted(41007);
    answer = async () => new PassThrough();
    packet(syn(41008, 300)); // dialled, not accepted
    await settle();
    answer = () => new Promise<Duplex>(() => {}); // dialling forever
    packet(syn(41009, 400));
    await settle();
    written = [];
    const started = Date.now();
    await stack.close();
    expect(Date.now() - started).to.be.below(500);
    expect(await live.ended).to.equal('ECONNRESET');
    expect(written.filter((w) => !w.includes(':41007 ')).sort()).to.deep.equal([
      `127.0.0.4:41008 > 127.0.0.1:${port} R seq 301 ack 0`,
      '211.55.0.10:80 > 10.77.0.2:41008 RA seq 0 ack 301',
      '211.55.0.10:80 > 10.77.0.2:41009 RA seq 0 ack 401',
    ]);
    expect(stack.nat.size).to.equal(0);
    packet(syn(41010, 500)); // after close: refused, not dialled
    expect(written.at(-1)).to.equal('211.55.0.10:80 > 10.77.0.2:41010 RA seq 0 ack 501');
    expect(streams.length).to.equal(3);
  });
});
