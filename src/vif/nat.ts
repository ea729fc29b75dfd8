// The VIF's NAT table: one flow per TCP connection A:sport -> D:dport, reachable from both sides.
// Outgoing packets find it by (A, sport, D, dport); the listener and the reply packets by the fake
// source (F, sport). Each flow gets an F that no live flow holds, taken round-robin from the TUN
// subnet, so two clients with the same source port never meet and an F:sport pair is reused only
// long after its connection (and the kernel's TIME_WAIT for it) is gone. Pure: the clock is passed in.
import type { Duplex } from 'node:stream';

export type FlowState = 'dialing' | 'open' | 'closed';

export interface Flow {
  /** The client: the source of the SYN read from the TUN. */
  readonly client: number;
  readonly sport: number;
  /** The destination the client asked for (a virtual IP when VNAT applies). */
  readonly dest: number;
  readonly dport: number;
  readonly fake: number;
  state: FlowState;
  /** The latest SYN of the client, kept while the cluster connection is being dialled. */
  syn: Buffer | null;
  /** The cluster side, once dialled. */
  stream: Duplex | null;
  /** When the flow was created or closed: the clock of expire(). */
  since: number;
  /** The end of the client's sequence space seen so far, and of the listener's (null before its SYN-ACK):
   *  enough to reset both sides in-window when the cluster stream goes away. */
  next: number;
  peerNext: number | null;
}

export interface FakePool {
  /** First and last usable address (inclusive) of the TUN subnet, as integers. */
  first: number;
  last: number;
  /** Addresses of the subnet that are not fakes: the TUN's own, the DNS address. */
  exclude: readonly number[];
}

export class NatExhaustedError extends Error {}

export class NatTable {
  private readonly byClient = new Map<number, Flow[]>();
  private readonly byFake = new Map<number, Flow>();
  private next: number;

  constructor(private readonly pool: FakePool) {
    if (pool.last < pool.first) throw new RangeError('NatTable: the fake-source pool is empty');
    this.next = pool.first;
  }

  get size(): number {
    return this.byFake.size;
  }

  outgoing(client: number, sport: number, dest: number, dport: number): Flow | undefined {
    const list = this.byClient.get(client * 0x10000 + sport);
    return list?.find((f) => f.dest === dest && f.dport === dport);
  }

  returning(fake: number, port: number): Flow | undefined {
    return this.byFake.get(fake * 0x10000 + port);
  }

  /** A new flow in state 'dialing'; throws NatExhaustedError when every fake holds this port. */
  create(client: number, sport: number, dest: number, dport: number, now: number): Flow {
    const fake = this.allocate(sport);
    const flow: Flow = { client, sport, dest, dport, fake, state: 'dialing', syn: null, stream: null, since: now, next: 0, peerNext: null };
    const key = client * 0x10000 + sport;
    const list = this.byClient.get(key);
    if (list) list.push(flow);
    else this.byClient.set(key, [flow]);
    this.byFake.set(fake * 0x10000 + sport, flow);
    return flow;
  }

  /** Marks a flow closed; it stays (late FIN/ACK packets still need it) until expire() drops it. */
  close(flow: Flow, now: number): void {
    if (flow.state === 'closed') return;
    flow.state = 'closed';
    flow.since = now;
  }

  remove(flow: Flow): void {
    const key = flow.client * 0x10000 + flow.sport;
    const list = this.byClient.get(key);
    if (list) {
      const rest = list.filter((f) => f !== flow);
      if (rest.length > 0) this.byClient.set(key, rest);
      else this.byClient.delete(key);
    }
    if (this.byFake.get(flow.fake * 0x10000 + flow.sport) === flow) this.byFake.delete(flow.fake * 0x10000 + flow.sport);
  }

  /**
   * Drops closed flows older than `lingerMs` and returns them, with the flows that never became
   * a connection (dialing or open without an accepted socket) for longer than `staleMs`:
   * `isStale(flow)` tells the caller's view of the latter.
   */
  expire(now: number, lingerMs: number, staleMs: number, isStale: (flow: Flow) => boolean): Flow[] {
    const gone: Flow[] = [];
    for (const flow of this.byFake.values()) {
      const age = now - flow.since;
      if ((flow.state === 'closed' && age >= lingerMs) || (flow.state !== 'closed' && age >= staleMs && isStale(flow))) gone.push(flow);
    }
    for (const flow of gone) this.remove(flow);
    return gone;
  }

  flows(): IterableIterator<Flow> {
    return this.byFake.values();
  }

  private allocate(port: number): number {
    const { first, last, exclude } = this.pool;
    const span = last - first + 1;
    for (let i = 0; i < span; i++) {
      const candidate = this.next;
      this.next = candidate >= last ? first : candidate + 1;
      if (!exclude.includes(candidate) && !this.byFake.has(candidate * 0x10000 + port)) return candidate;
    }
    throw new NatExhaustedError(`every fake source of the VIF subnet holds a connection from port ${port}`);
  }
}
