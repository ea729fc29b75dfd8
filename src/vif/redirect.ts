// The packet-redirect stack (DESIGN.md "vpn-tcp"): the kernel terminates TCP, we only rewrite.
// SYN A:sport -> D:dport from the TUN: dial the cluster first; on success the SYN goes back in as
// F:sport -> T:listen and the local listener pipes the accepted socket to the dialled stream; on
// failure the client gets a RST at once (curl: "Connection refused"). Replies T:listen -> F:sport
// go out as D:dport -> A:sport. UDP to the DNS address goes to a callback. A cluster stream that
// ends at any moment ends its flow: the client is reset (or closed, after a clean EOF) and the entry goes.
// Dials to one destination while its first is in flight are held by the recursion guard (dial-guard.ts).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { beforeDeadline } from '../deadline.js';
import { NatTable, type Flow, type FakePool } from './nat.js';
import {
  buildRst, buildRst6, buildTcpRst, buildUdp, intToIpv4, ipv4ToInt, parseIpv4, rewriteTcp, seqEnd,
  PROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, type Ipv4Packet,
} from './ipv4.js';
import { DialGuard, HeldAttemptFailed } from './dial-guard.js';
import { HandOff } from './handoff.js';
import { RECENT_DIALS_MAX, RECENT_DIALS_MS, RecentDials } from './recent-dials.js';
import { splice } from './splice.js';

/** Opens a stream to destIp:destPort in the cluster (an SSH direct-tcpip channel in a session). */
export type Connector = (destIp: string, destPort: number) => Promise<Duplex>;

/** Answers one DNS query that reached the VIF's DNS address; `reply` sends the answer back. */
export type DnsPacketHandler = (query: Buffer, reply: (answer: Uint8Array) => void, from: { ip: string; port: number }) => void;

export interface RedirectOptions {
  /** The TUN's own address T, where the listener binds. */
  address: number;
  /** A TCP socket already bound to T in the TUN's namespace (tcpSocketInNetns); without it the listener binds T here. */
  listenFd?: number;
  pool: FakePool;
  connect: Connector;
  /** VNAT: the cluster IP behind a destination (identity when absent). */
  translate?: (destIp: string) => string;
  dns?: { ip: number; port: number; onDnsPacket: DnsPacketHandler };
  /** How long a closed flow keeps translating late packets (FIN retransmits, last ACKs). */
  lingerMs: number;
  /** Give up dialling (and reset the client) after this long. */
  connectTimeoutMs: number;
  log: (line: string) => void;
  now?: () => number;
  /**
   * Default true: the connect recursion guard (dial-guard.ts), so that a cluster that routes an
   * unplaceable connection back to this workstation does not loop. False only in tests that show the loop.
   */
  dialGuard?: boolean;
  /**
   * Default RECENT_DIALS_MS: a SYN to an IP:port whose dial succeeded within this long is taken at once
   * while its dial runs (reset if that dial fails); 0: every SYN waits for its dial's answer.
   */
  recentDialsMs?: number;
}

export interface RedirectStats {
  flows: number;
  packetsIn: number;
  packetsOut: number;
  dropped: number;
  refused: number;
  /** SYNs taken at once (their destination answered moments ago) before their dial answered. */
  early: number;
}


/** DNS datagrams waiting for the handler, at most. */
const MAX_QUEUED_DNS = 256;

export class RedirectStack {
  readonly nat: NatTable;
  readonly stats: RedirectStats = { flows: 0, packetsIn: 0, packetsOut: 0, dropped: 0, refused: 0, early: 0 };
  private listenPort = 0;
  private readonly server: net.Server;
  /** The accepted socket of each flow that has one. */
  private readonly sockets = new Map<Flow, net.Socket>();
  /** Fails the dials in progress, when the stack closes. */
  private readonly pendingDials = new Set<() => void>();
  /** DNS datagrams handed to the handler off the packet path (bounded: a flood is dropped here). */
  private readonly dnsHandOff: HandOff;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private closing: Promise<void> | null = null;
  private readonly guard: DialGuard | null;
  /** Destinations that answered moments ago (null: every SYN waits for its dial). */
  private readonly recent: RecentDials | null;

  constructor(private readonly opts: RedirectOptions, private readonly write: (packet: Uint8Array, length?: number) => boolean) {
    this.nat = new NatTable(opts.pool);
    this.now = opts.now ?? Date.now;
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.onAccepted(socket));
    this.guard = opts.dialGuard === false ? null : new DialGuard(opts.log);
    const recentMs = opts.recentDialsMs ?? RECENT_DIALS_MS;
    this.recent = recentMs > 0 ? new RecentDials(recentMs, RECENT_DIALS_MAX) : null;
    this.dnsHandOff = new HandOff(MAX_QUEUED_DNS, (err) => opts.log(`vif: DNS handler failed: ${err.message}`));
  }

  /** Binds the listener to T (the TUN must have its address) and starts the expiry sweep. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const where = this.opts.listenFd === undefined ? { host: intToIpv4(this.opts.address), port: 0 } : { fd: this.opts.listenFd };
      this.server.listen({ ...where, backlog: 1024 }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listenPort = (this.server.address() as net.AddressInfo).port;
    const every = Math.max(100, Math.min(this.opts.lingerMs, 5000) / 2);
    this.sweeper = setInterval(() => this.sweep(), every).unref();
    return this.listenPort;
  }

  /** One packet read from the TUN; `buf` is reused after the call. */
  onPacket(buf: Buffer, n: number): void {
    this.stats.packetsIn++;
    const p = parseIpv4(buf, n);
    if (!p) return this.notIpv4(buf, n);
    if (p.proto === PROTO_UDP) return this.onUdp(buf, p);
    if (p.src === this.opts.address && p.sport === this.listenPort) return this.onReply(buf, p);
    return this.onOutgoing(buf, p);
  }

  /** Resets every connection left (both sides) and stops the listener; returns within ~2 s whatever the streams do. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.sweeper) clearInterval(this.sweeper);
      this.dnsHandOff.stop();
      for (const fail of [...this.pendingDials]) fail();
      const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const flow of [...this.nat.flows()]) this.reset(flow);
      await beforeDeadline(listenerClosed, Date.now() + 2000, 'the VIF listener').catch(() => this.opts.log('vif: the listener did not close within 2 s; left behind'));
    })();
    return this.closing;
  }

  /**
   * Ends a flow whose cluster side is gone or given up: resets the client at the sequence numbers seen
   * (and the listener's half, when no socket was accepted yet), destroys stream and socket, drops the entry.
   */
  private reset(flow: Flow): void {
    const socket = this.sockets.get(flow);
    if (flow.state === 'dialing' && flow.syn) this.refuse(buildRst(flow.syn, parseIpv4(flow.syn, flow.syn.length)!));
    else if (flow.state === 'open') {
      this.send(buildTcpRst(flow.dest, flow.dport, flow.client, flow.sport, flow.peerNext ?? 0, flow.next));
      if (!socket) this.send(buildTcpRst(flow.fake, flow.sport, this.opts.address, this.listenPort, flow.next, flow.peerNext));
    }
    flow.syn = null;
    flow.state = 'closed';
    this.nat.remove(flow);
    flow.stream?.destroy();
    if (socket && !socket.destroyed) socket.resetAndDestroy();
  }

  private onOutgoing(buf: Buffer, p: Ipv4Packet): void {
    const flow = this.nat.outgoing(p.src, p.sport, p.dst, p.dport);
    const isSyn = (p.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (!flow || (isSyn && flow.state === 'closed')) {
      if (flow) this.nat.remove(flow); // a new connection reusing a lingering tuple
      if (isSyn && this.closing) return this.refuse(buildRst(buf, p));
      // The VIF's own subnet holds T, the DNS address and the fakes: nothing there to dial.
      if (isSyn && p.dst >= this.opts.pool.first && p.dst <= this.opts.pool.last) return this.refuse(buildRst(buf, p));
      if (isSyn) return this.dial(buf, p);
      // A segment of a connection we do not know (expired, or from before a restart): reset it.
      if (!(p.flags & TCP_RST)) this.send(buildRst(buf, p));
      return this.drop();
    }
    if (flow.state === 'dialing') {
      if (isSyn) flow.syn = Buffer.from(buf.subarray(0, p.length)); // a retransmit: keep the latest
      return;
    }
    const end = seqEnd(buf, p);
    if (((end - flow.next) | 0) > 0) flow.next = end;
    rewriteTcp(buf, p, flow.fake, flow.sport, this.opts.address, this.listenPort);
    this.send(buf, p.length);
  }

  private onReply(buf: Buffer, p: Ipv4Packet): void {
    const flow = this.nat.returning(p.dst, p.dport);
    if (!flow) return this.drop();
    const end = seqEnd(buf, p);
    if (flow.peerNext === null || ((end - flow.peerNext) | 0) > 0) flow.peerNext = end;
    rewriteTcp(buf, p, flow.dest, flow.dport, flow.client, flow.sport);
    this.send(buf, p.length);
  }

  private dial(buf: Buffer, p: Ipv4Packet): void {
    let flow: Flow;
    try {
      flow = this.nat.create(p.src, p.sport, p.dst, p.dport, this.now());
    } catch (err) {
      this.opts.log(`vif: ${(err as Error).message}`);
      return this.refuse(buildRst(buf, p));
    }
    this.stats.flows++;
    flow.syn = Buffer.from(buf.subarray(0, p.length));
    flow.next = seqEnd(buf, p);
    const dest = intToIpv4(p.dst);
    const real = this.opts.translate ? this.opts.translate(dest) : dest;
    const key = `${real}:${p.dport}`;
    const target = `${key}${real === dest ? '' : ` (${dest})`}`;
    // Taken at once: the destination answered moments ago and no dial to it is in flight (one in flight
    // may be a loop's first: the guard must hold what follows it, so such a SYN waits as before).
    const early = this.recent !== null && this.recent.answeredRecently(key, this.now()) && !this.guard?.inFlightTo(key);
    if (early) {
      this.stats.early++;
      this.admit(flow);
    }
    let timer: NodeJS.Timeout | undefined;
    let fail = () => {};
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.connectTimeoutMs} ms`)), this.opts.connectTimeoutMs);
      fail = () => reject(new Error('the VIF is closing'));
    });
    this.pendingDials.add(fail);
    const settled = () => {
      clearTimeout(timer);
      this.pendingDials.delete(fail);
    };
    let dialled: Promise<Duplex> | null = null;
    // The dial bounded by this flow's timeout: for the guard, a first attempt that times out has failed.
    const open = () => Promise.race([(dialled = Promise.resolve().then(() => this.opts.connect(real, p.dport))), timeout]);
    const attempt = this.guard ? this.guard.attempt(key, open).result : open();
    const client = () => `${intToIpv4(flow.client)}:${flow.sport}`;
    Promise.race([attempt, timeout]).then(
      (stream) => {
        settled();
        if (stream.destroyed) {
          this.recent?.failed(key);
          if (flow.state === 'closed') return;
          this.opts.log(`vif: connect ${target} for ${client()}: the stream came back closed`);
          return this.reset(flow);
        }
        this.recent?.succeeded(key, this.now());
        if (early ? flow.state !== 'open' : flow.state !== 'dialing' || !flow.syn) return void stream.destroy();
        this.attach(flow, stream, target);
        if (!early) this.admit(flow);
      },
      (err: Error) => {
        settled();
        dialled?.then((s) => s.destroy(), () => {});
        this.recent?.failed(key);
        if (early) {
          if (flow.state === 'closed') return;
          this.opts.log(`vif: connect ${target} for ${client()} failed after its SYN was taken at once: ${err.message}; reset`);
          return this.reset(flow);
        }
        // A held attempt that failed with the first is counted in the guard's one line for the burst.
        if (!(err instanceof HeldAttemptFailed)) this.opts.log(`vif: connect ${target} for ${client()} failed: ${err.message}`);
        if (flow.syn) this.refuse(buildRst(flow.syn, parseIpv4(flow.syn, flow.syn.length)!));
        this.nat.remove(flow);
      },
    );
  }

  /** The client's SYN goes in to the listener (as F:sport -> T:listen): the kernel answers it. */
  private admit(flow: Flow): void {
    const syn = flow.syn!;
    flow.syn = null;
    flow.state = 'open';
    flow.since = this.now();
    const q = parseIpv4(syn, syn.length)!;
    rewriteTcp(syn, q, flow.fake, flow.sport, this.opts.address, this.listenPort);
    this.send(syn);
  }

  /** The flow's cluster stream has opened: joined to its socket if the listener accepted it already. */
  private attach(flow: Flow, stream: Duplex, target: string): void {
    flow.stream = stream;
    flow.state = 'open';
    // A stream that fails before the client's connection is accepted must not crash the process.
    stream.on('error', (err) => this.opts.log(`vif: ${target}: ${err.message}`));
    // Nobody reads it before the accept, so only a teardown ('close', or 'error' without one) ends it
    // here: the client and the listener's half-open connection are reset, the entry goes.
    const early = () => {
      if (flow.state !== 'open' || this.sockets.has(flow)) return;
      this.opts.log(`vif: ${target} for ${intToIpv4(flow.client)}:${flow.sport}: the cluster stream closed before the connection was accepted; reset`);
      this.reset(flow);
    };
    stream.once('close', early);
    stream.once('error', early);
    const socket = this.sockets.get(flow);
    if (socket) this.join(flow, socket, stream);
  }

  private onAccepted(socket: net.Socket): void {
    const fake = ipv4ToInt(socket.remoteAddress ?? '');
    const flow = fake === null ? undefined : this.nat.returning(fake, socket.remotePort ?? -1);
    if (!flow || flow.state !== 'open' || this.sockets.has(flow) || this.closing) {
      if (!this.closing) this.opts.log(`vif: unexpected connection from ${socket.remoteAddress}:${socket.remotePort} to the listener`);
      return void socket.resetAndDestroy();
    }
    this.sockets.set(flow, socket);
    if (flow.stream) return this.join(flow, socket, flow.stream);
    // Taken before its dial answered: what the client sends meanwhile waits in the socket (Node reads up
    // to its high-water mark, then the kernel's window holds the client back); attach() joins it.
    const gone = () => {
      if (flow.stream) return;
      this.sockets.delete(flow);
      this.nat.close(flow, this.now());
    };
    socket.on('error', () => {});
    socket.once('close', gone);
  }

  private join(flow: Flow, socket: net.Socket, stream: Duplex): void {
    // The entry lingers closed: the kernel's FIN or RST still goes out through it.
    splice(socket, stream, () => {
      this.sockets.delete(flow);
      this.nat.close(flow, this.now());
    });
  }

  private onUdp(buf: Buffer, p: Ipv4Packet): void {
    const dns = this.opts.dns;
    if (!dns || p.dst !== dns.ip || p.dport !== dns.port) return this.drop();
    const query = Buffer.from(buf.subarray(p.l4 + 8, p.length));
    const { src, sport } = p;
    const reply = (answer: Uint8Array) => this.send(buildUdp(dns.ip, dns.port, src, sport, answer));
    // Never on the packet path: the handler runs after this read, so a slow or bad query cannot
    // delay the TCP packets read with it.
    if (!this.dnsHandOff.offer(() => dns.onDnsPacket(query, reply, { ip: intToIpv4(src), port: sport }))) this.drop();
  }

  private sweep(): void {
    // Stale: never accepted, or accepted but its stream is gone while the socket stays (a backstop:
    // splice() ends the socket when the stream closes).
    const stale = (flow: Flow) => !this.sockets.has(flow) || flow.stream?.destroyed === true;
    for (const flow of this.nat.expire(this.now(), this.opts.lingerMs, this.opts.connectTimeoutMs * 2, stale)) this.reset(flow);
  }

  private warnedIpv6 = false;

  private notIpv4(buf: Buffer, n: number): void {
    const rst = buildRst6(buf, n);
    if (!rst) return this.drop();
    if (!this.warnedIpv6) this.opts.log('vif: IPv6 connections are not carried yet; they are refused');
    this.warnedIpv6 = true;
    this.refuse(rst);
  }

  private refuse(rst: Buffer): void {
    this.stats.refused++;
    this.send(rst);
  }

  private send(packet: Uint8Array, length = packet.length): void {
    if (this.write(packet, length)) this.stats.packetsOut++;
    else this.stats.dropped++;
  }

  private drop(): void {
    this.stats.dropped++;
  }
}
