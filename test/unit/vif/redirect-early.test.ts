// SYNs taken at once (issue 17, first-byte latency), without a TUN: a SYN to a destination that answered
// moments ago goes to the listener before its dial answers; what the client sends meanwhile reaches the
// stream once it opens; a dial that then fails resets the accepted client; other SYNs wait as before.
import { expect } from 'chai';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { intToIpv4, ipv4ToInt, TCP_SYN } from '../../../src/vif/ipv4.js';
import { RedirectStack } from '../../../src/vif/redirect.js';
import { waitFor } from '../../helpers/poll.js';
import { describePacket, tcpPacket } from './packets.js';

const ip = (s: string) => ipv4ToInt(s)!;
const CLIENT = ip('10.77.0.2');
const DEST = ip('211.55.0.10');
const T = ip('127.0.0.1');

/** A dial the test answers: resolve(stream) or reject(err). */
interface Dial { target: string; resolve(s: Duplex): void; reject(e: Error): void }

describe('vif RedirectStack: a SYN to a destination that answered moments ago is taken at once', () => {
  let stack: RedirectStack;
  let written: string[];
  let dials: Dial[];
  let logs: string[];
  let clock: number;
  let port: number;
  const peers: net.Socket[] = [];

  const settle = () => new Promise((r) => setTimeout(r, 20));
  const syn = (sport: number, isn: number, dport = 80) => tcpPacket(CLIENT, sport, DEST, dport, TCP_SYN, new Uint8Array(0), isn);
  const packet = (b: Buffer) => stack.onPacket(b, b.length);
  const toListener = (sport: number) => written.filter((w) => w.includes(`:${sport} > 127.0.0.1:${port} S `));

  beforeEach(async () => {
    written = [];
    dials = [];
    logs = [];
    clock = 1000;
    stack = new RedirectStack(
      {
        address: T,
        pool: { first: ip('127.0.0.1'), last: ip('127.0.0.6'), exclude: [ip('127.0.0.1'), ip('127.0.0.6')] },
        connect: (host, p) => new Promise<Duplex>((resolve, reject) => dials.push({ target: `${host}:${p}`, resolve, reject })),
        lingerMs: 100,
        connectTimeoutMs: 2000,
        log: (line) => logs.push(line),
        now: () => clock,
        recentDialsMs: 5000,
      },
      (pkt, len) => (written.push(describePacket(Buffer.from(pkt).subarray(0, len))), true),
    );
    port = await stack.listen();
  });

  afterEach(async () => {
    await stack.close();
    for (const s of peers.splice(0)) s.destroy();
  });

  /** The kernel's connection for `sport`'s flow (from its fake source) to the listener. */
  function connectAs(sport: number): net.Socket {
    const flow = [...stack.nat.flows()].find((f) => f.sport === sport)!;
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: intToIpv4(flow.fake), localPort: sport });
    peers.push(socket);
    return socket;
  }

  /** A first connection to DEST:80 whose dial succeeds: the destination is remembered. */
  async function answeredOnce(): Promise<void> {
    packet(syn(42000, 100));
    await settle();
    expect(toListener(42000)).to.deep.equal([]); // a first SYN waits for its dial
    dials[0].resolve(new PassThrough());
    await settle();
    expect(toListener(42000)).to.have.length(1);
  }

  it('a repeat SYN goes to the listener before its dial answers; bytes sent meanwhile reach the stream intact', async () => {
    await answeredOnce();
    packet(syn(42001, 500));
    expect(toListener(42001)).to.deep.equal([`127.0.0.3:42001 > 127.0.0.1:${port} S seq 500 ack 0`]);
    await settle();
    expect(dials.map((d) => d.target)).to.deep.equal(['211.55.0.10:80', '211.55.0.10:80']); // dialled in parallel
    const socket = connectAs(42001);
    let echoed = '';
    socket.on('data', (d: Buffer) => (echoed += d.toString()));
    const sent = Buffer.alloc(200_000, 'x').toString() + 'end';
    socket.write(sent); // before the stream exists
    await settle();
    const stream = new PassThrough();
    dials[1].resolve(stream);
    await waitFor('the early bytes echoed through the stream', 2000, () => (echoed.length === sent.length ? true : undefined), 5);
    expect(echoed).to.equal(sent);
    expect(stack.stats.early).to.equal(1);
  });

  it('a dial that fails after the SYN was taken resets the client, and the next SYN waits again', async () => {
    await answeredOnce();
    packet(syn(42002, 700));
    const socket = connectAs(42002);
    const ended = new Promise((resolve) => socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code)).on('end', () => resolve('end')));
    await new Promise((r) => socket.once('connect', r));
    await settle();
    written = [];
    dials[1].reject(new Error('connect ECONNREFUSED 211.55.0.10:80'));
    await settle();
    expect(written.filter((w) => w.includes('> 10.77.0.2:42002'))).to.have.length(1);
    expect(written.find((w) => w.includes('> 10.77.0.2:42002'))).to.match(/^211\.55\.0\.10:80 > 10\.77\.0\.2:42002 RA? seq \d+ ack 701$/);
    expect(await ended).to.equal('ECONNRESET'); // the listener's socket is reset too
    expect(logs).to.include('vif: connect 211.55.0.10:80 for 10.77.0.2:42002 failed after its SYN was taken at once: connect ECONNREFUSED 211.55.0.10:80; reset');
    packet(syn(42003, 900)); // forgotten: waits for its dial, and its refusal is the SYN's RST+ACK
    expect(toListener(42003)).to.deep.equal([]);
    await settle();
    dials[2].reject(new Error('connect ECONNREFUSED 211.55.0.10:80'));
    await settle();
    expect(written.at(-1)).to.equal('211.55.0.10:80 > 10.77.0.2:42003 RA seq 0 ack 901');
    expect(stack.nat.size).to.equal(1); // only 42000's flow
  });

  it('another port, an expired memory and a dial in flight to the destination all wait for the answer', async () => {
    await answeredOnce();
    packet(syn(42004, 10, 81)); // another port: never answered
    await settle();
    expect(toListener(42004)).to.deep.equal([]);
    packet(syn(42005, 20)); // taken at once; its dial is in flight ...
    expect(toListener(42005)).to.have.length(1);
    packet(syn(42006, 30)); // ... so this one is held by the guard, as a loop's next SYN would be
    await settle();
    expect(toListener(42006)).to.deep.equal([]);
    expect(dials).to.have.length(3); // 42000, 42004, 42005: 42006 is not dialled while held
    dials[2].resolve(new PassThrough());
    await settle();
    dials[3].resolve(new PassThrough());
    await settle();
    expect(toListener(42006)).to.have.length(1);
    clock += 5000; // the memory of DEST:80 is 5 s old now
    packet(syn(42007, 40));
    await settle();
    expect(toListener(42007)).to.deep.equal([]);
    expect(stack.stats.early).to.equal(1);
  });

  it('a client that aborts before the dial answers: the stream that opens later is destroyed', async () => {
    await answeredOnce();
    packet(syn(42008, 50));
    const socket = connectAs(42008);
    await new Promise((r) => socket.once('connect', r));
    await settle();
    socket.resetAndDestroy(); // (a FIN would be a half-close: kept, it travels once the stream opens)
    await waitFor('the flow to close', 1000, () => ([...stack.nat.flows()].find((f) => f.sport === 42008)?.state === 'closed' ? true : undefined), 5);
    const stream = new PassThrough();
    dials[1].resolve(stream);
    await settle();
    expect(stream.destroyed).to.equal(true);
  });
});
