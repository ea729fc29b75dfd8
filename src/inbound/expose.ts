// `--expose PORT[:REMOTE]`: the cluster's connections to REMOTE on the proxy pod reach 127.0.0.1:PORT
// here, through SSH remote forwards on the session's one connection (sshd listens on 0.0.0.0:REMOTE
// in the pod, so the pod IP and a Service that targets the port reach it). A connection that finds
// nothing listening here is closed at once: the cluster's client sees its connection end, not a hang.
// A dialer may deliver elsewhere instead (the container method: inside the container's network namespace).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PortMapping } from '../config/index.js';
import type { RemoteForward } from '../tunnel/ssh.js';

export interface ForwardingTunnel {
  forwardIn(bindAddr: string, port: number, onConnection: (stream: Duplex) => void): Promise<RemoteForward>;
}

/** Where sshd listens in the pod: every address (--expose: the pod IP and Services), or its loopback (--from-pod). */
export type PodBind = '0.0.0.0' | '127.0.0.1';

export interface ExposeCounts {
  /** Connections from the cluster handed to a local listener. */
  accepted: number;
  /** Connections from the cluster that found no local listener (closed at once). */
  refused: number;
}

export interface ExposedPorts {
  readonly counts: ExposeCounts;
  /** Stops the remote listeners (connections already made run on until they end). */
  close(): Promise<void>;
}

/** Pod-side ports the mappings listen on, without repeats: what the proxy pod must declare. */
export function exposedPodPorts(mappings: readonly PortMapping[]): number[] {
  return [...new Set(mappings.map((m) => m.podPort))].sort((a, b) => a - b);
}

/** Makes the connection that a cluster connection is delivered to, as net.connect would (e.g. inbound/netns.ts dialInNetns). */
export type Dialer = (port: number) => net.Socket;

/**
 * Starts a remote forward for each mapping (in order; one that fails stops the ones made and
 * rejects). `log` hears of each connection that found no listener here. `dial`, when given, makes
 * the connection to a mapping's workstationPort in place of net.connect to 127.0.0.1 here; `where`
 * then says in the log where that port is (e.g. "in the container's network namespace").
 */
export async function exposePorts(tunnel: ForwardingTunnel, mappings: readonly PortMapping[], log: (line: string) => void, bind: PodBind = '0.0.0.0', dial?: Dialer, where = 'where it is delivered'): Promise<ExposedPorts> {
  const counts: ExposeCounts = { accepted: 0, refused: 0 };
  const forwards: RemoteForward[] = [];
  const close = async () => {
    const all = forwards.splice(0);
    await Promise.allSettled(all.map((f) => f.cancel()));
  };
  try {
    for (const m of mappings) {
      forwards.push(await tunnel.forwardIn(bind, m.podPort, (stream) => relay(stream, m, counts, log, dial, where)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { counts, close };
}

/**
 * Joins a cluster connection (an SSH channel) to a new connection to the local port, byte for byte and with
 * half-close, as TCP would: each side's end travels behind its data. Only an error, a refused local connect or
 * an SSH channel that is gone ends the other side at once. (ssh2's destroy() sends CLOSE at once and drops what
 * still waits for sshd's window: a 10 MB download through a relay that destroyed the channel when the local
 * server closed came up 0.9 MB short.)
 */
function relay(stream: Duplex, m: PortMapping, counts: ExposeCounts, log: (line: string) => void, dial: Dialer | undefined, where: string): void {
  const local = dial ? dial(m.workstationPort) : net.connect({ host: '127.0.0.1', port: m.workstationPort, allowHalfOpen: true });
  local.setNoDelay(true);
  let connected = false;
  local.once('connect', () => {
    connected = true;
    counts.accepted += 1;
    stream.pipe(local);
    local.pipe(stream);
  });
  local.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) {
      counts.refused += 1;
      const target = dial ? `port ${m.workstationPort} ${where}` : `localhost:${m.workstationPort} here`;
      log(`expose: a connection to port ${m.podPort} of the proxy pod found nothing on ${target} (${err.code ?? err.message}); closed it`);
    }
    stream.destroy();
  });
  stream.on('error', () => local.destroy());
  // ssh2 emits 'close' after 'end' (so pipe() has ended `local`): what was handed to `local` still reaches
  // the local server, then the connection goes, since nothing it sends can reach the cluster any more.
  stream.on('close', () => (connected ? local.destroySoon() : local.destroy()));
  // A clean close comes after both ends, so pipe() has ended the channel, which sends what it holds first.
  local.on('close', (hadError) => {
    if (hadError) stream.destroy();
  });
}
