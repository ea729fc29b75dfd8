// The DNS probes (Telepresence 1): the workstation asks `hellotelepresence<anything>.<suffix>`, the
// pod learns <suffix> as one of the workstation's search suffixes (and strips it from later names).

export const PROBE_PREFIX = 'hellotelepresence';
/** The pod answers every probe, whatever the question's type, with one A record of this address. */
export const PROBE_ANSWER = '127.0.0.1';
/** A probe under this suffix (or `.sanity.check.<it>.` in the name) is NXDOMAIN and teaches nothing. */
export const PROBE_SANITY_CHECK_SUFFIX = 'telepresence.io';

/** TCP DNS clients of either side's server: at most this many at once. */
export const DNS_TCP_MAX_CLIENTS = 64;
/** A TCP DNS client idle (or half-sent) this long with no question in flight is dropped: clients reconnect. */
export const DNS_TCP_IDLE_MS = 8000;

interface TcpClient {
  _dnsPipeline?: { inFlight: number };
  setTimeout(ms: number): unknown;
  destroy(): unknown;
  on(event: 'timeout', listener: () => void): unknown;
}

/** Applies the limits above to a dns2 server's TCP side (dns2 itself only half-closes idle clients). */
export function boundTcpClients(server: unknown, idleMs = DNS_TCP_IDLE_MS, max = DNS_TCP_MAX_CLIENTS): void {
  const tcp = (server as { servers: { tcp?: { maxConnections: number; on(e: 'connection', l: (s: TcpClient) => void): unknown } } }).servers.tcp;
  if (!tcp) return;
  tcp.maxConnections = max;
  tcp.on('connection', (socket) => {
    socket.setTimeout(idleMs);
    socket.on('timeout', () => (socket._dnsPipeline?.inFlight ? socket.setTimeout(idleMs) : socket.destroy()));
  });
}
