// The front of both sides' dns2 servers (the workstation's and the pod's): every message is checked
// (dns-wire.ts) before dns2's parser sees it, TCP framing is ours (bounded frames, idle and
// half-sent clients dropped, a cap on clients and on questions in flight per client), and a bad
// message is answered FORMERR/NOTIMP or dropped without a look-up. PURE in its imports: it acts on
// the server objects handed in (dns2's UDP socket and TCP server), typed by what it uses of them.
import { checkDnsMessage, dnsErrorReply, DNS_MAX_QUERY_BYTES } from './dns-wire.js';

/** TCP DNS clients of either side's server: at most this many at once. */
export const DNS_TCP_MAX_CLIENTS = 64;
/** A TCP DNS client idle (or half-sent) this long with no question in flight is dropped: clients reconnect. */
export const DNS_TCP_IDLE_MS = 8000;
/** Questions of one TCP client in flight at once; past it the server stops reading from that client. */
export const DNS_TCP_MAX_IN_FLIGHT = 32;
/** Questions in flight in one server (UDP and TCP): past it, SERVFAIL at once (dns2's maxConcurrent). */
export const DNS_MAX_CONCURRENT = 1024;

interface Rinfo { address: string; port: number }
interface UdpLike {
  listeners(event: 'message'): ((data: Uint8Array, rinfo: Rinfo) => void)[];
  removeAllListeners(event: 'message'): unknown;
  on(event: 'message', l: (data: Uint8Array, rinfo: Rinfo) => void): unknown;
  send(bytes: Uint8Array, port: number, address: string, cb: (err: Error | null) => void): void;
}
interface SocketLike {
  readonly destroyed: boolean;
  readonly writableLength: number;
  setTimeout(ms: number): unknown;
  write(bytes: Uint8Array): unknown;
  pause(): unknown;
  resume(): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'end' | 'timeout' | 'drain', l: () => void): unknown;
  on(event: 'data', l: (chunk: Uint8Array) => void): unknown;
  on(event: 'error', l: (err: Error) => void): unknown;
}
interface TcpLike {
  maxConnections: number;
  removeAllListeners(event: 'connection'): unknown;
  on(event: 'connection', l: (socket: SocketLike) => void): unknown;
  emit(event: 'request', message: unknown, send: (answer: { toBuffer(): Uint8Array } | Uint8Array) => void, client: SocketLike): boolean;
  emit(event: 'requestError', err: Error): boolean;
}
export interface Dns2ServerLike {
  servers: { udp?: UdpLike; tcp?: TcpLike };
}

export interface GuardOptions {
  idleMs?: number;
  maxClients?: number;
  maxInFlight?: number;
  /** Told of each rejected message, once per reason a second at most (a flood must not flood the log). */
  log?: (line: string) => void;
}

/**
 * Puts the guard in front of a dns2 server made with `udp` and/or `tcp` (before `listen`): its
 * 'message' (UDP) and 'connection' (TCP) handlers are replaced. Checked messages still reach dns2's
 * UDP handler (it parses and emits 'request'); on TCP the guard emits 'request' itself, with
 * `parse` (dns2's Packet.parse) applied to each checked frame.
 */
export function guardDnsServer(server: Dns2ServerLike, parse: (bytes: Uint8Array) => unknown, options: GuardOptions = {}): void {
  const report = rateLimited(options.log ?? (() => undefined));
  const udp = server.servers.udp;
  if (udp) {
    const original = udp.listeners('message');
    udp.removeAllListeners('message');
    udp.on('message', (data, rinfo) => {
      const check = checkDnsMessage(data, 'query');
      if (check.ok) return original.forEach((l) => l(data, rinfo));
      report(`dns: rejected a UDP message from ${rinfo.address}:${rinfo.port}: ${check.reason}`);
      if (check.rcode !== null) udp.send(dnsErrorReply(data, check.rcode), rinfo.port, rinfo.address, () => undefined);
    });
  }
  const tcp = server.servers.tcp;
  if (tcp) {
    tcp.maxConnections = options.maxClients ?? DNS_TCP_MAX_CLIENTS;
    tcp.removeAllListeners('connection');
    tcp.on('connection', (socket) => serveTcpClient(tcp, socket, parse, options, report));
  }
}

/** RFC 7766 framing on one client: pipelined questions, answers in any order, then FIN once all are sent. */
function serveTcpClient(tcp: TcpLike, socket: SocketLike, parse: (b: Uint8Array) => unknown, options: GuardOptions, report: (l: string) => void): void {
  const idleMs = options.idleMs ?? DNS_TCP_IDLE_MS;
  const maxInFlight = options.maxInFlight ?? DNS_TCP_MAX_IN_FLIGHT;
  let inFlight = 0;
  let peerEnded = false;
  let paused = false;
  let pending: Buffer = Buffer.alloc(0); // bytes read and not yet taken as frames
  const writeFrame = (bytes: Uint8Array) => {
    if (socket.destroyed) return;
    const frame = Buffer.alloc(2 + bytes.length);
    frame.writeUInt16BE(bytes.length, 0);
    frame.set(bytes, 2);
    socket.write(frame);
  };
  /** One checked question handed to the server; false when the client was dropped. */
  const handle = (message: Buffer): boolean => {
    const check = checkDnsMessage(message, 'query');
    if (!check.ok) {
      report(`dns: rejected a TCP message: ${check.reason}`);
      if (check.rcode === null) return void socket.destroy(), false;
      writeFrame(dnsErrorReply(message, check.rcode));
      return true;
    }
    let request: unknown;
    try {
      request = parse(message);
    } catch (err) {
      tcp.emit('requestError', err as Error);
      writeFrame(dnsErrorReply(message, 1));
      return true;
    }
    inFlight += 1;
    let answered = false;
    tcp.emit('request', request, (answer) => {
      if (answered) return;
      answered = true;
      writeFrame(answer instanceof Uint8Array ? answer : answer.toBuffer());
      inFlight -= 1;
      flow();
    }, socket);
    return true;
  };
  /** Takes whole frames while the client is under its cap; reads stop (pause) while it is not. */
  const flow = () => {
    while (!socket.destroyed && inFlight < maxInFlight && pending.length >= 2) {
      const size = pending.readUInt16BE(0);
      if (size > DNS_MAX_QUERY_BYTES) {
        report(`dns: dropped a TCP client: a ${size}-byte frame (a query is at most ${DNS_MAX_QUERY_BYTES})`);
        return void socket.destroy();
      }
      if (pending.length < 2 + size) break;
      const message = pending.subarray(2, 2 + size);
      pending = pending.subarray(2 + size);
      if (!handle(message)) return;
    }
    if (socket.destroyed) return;
    // Backpressure: a client that pipelines past the cap or does not read its answers waits.
    const full = inFlight >= maxInFlight || socket.writableLength > 64 * 1024;
    if (full && !paused) socket.pause();
    else if (!full && paused) socket.resume();
    paused = full;
    if (peerEnded && inFlight === 0) {
      if (pending.length > 0) socket.destroy(); // ended mid-frame
      else socket.end();
    }
  };
  socket.setTimeout(idleMs);
  socket.on('timeout', () => (inFlight > 0 ? socket.setTimeout(idleMs) : socket.destroy()));
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([pending, chunk]);
    flow();
  });
  socket.on('drain', flow);
  socket.on('end', () => {
    peerEnded = true;
    flow();
  });
  socket.on('error', () => socket.destroy());
}

function rateLimited(log: (line: string) => void): (line: string) => void {
  let second = 0;
  let shown = 0;
  return (line) => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) [second, shown] = [now, 0];
    if (++shown <= 5) log(line);
  };
}
