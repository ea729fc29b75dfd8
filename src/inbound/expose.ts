// `--expose PORT[:REMOTE]`: the cluster's connections to REMOTE on the proxy pod reach 127.0.0.1:PORT
// here, through SSH remote forwards on the session's one connection (sshd listens on 0.0.0.0:REMOTE
// in the pod, so the pod IP and a Service that targets the port reach it). A connection that finds
// nothing listening here is closed at once: the cluster's client sees its connection end, not a hang.
// A dialer may deliver elsewhere instead (the container method: inside the container's network namespace).
// After a reconnect, reforward() listens again on the new SSH connection (the old one took its listeners).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PortMapping } from '../config/index.js';
import { pause } from '../deadline.js';
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

/** A port that could not be listened on again after a reconnect, and why. */
export interface ForwardFailure {
  podPort: number;
  reason: string;
}

export interface ExposedPorts {
  readonly counts: ExposeCounts;
  /**
   * Listens again for every mapping through the tunnel, i.e. on its current SSH connection (after a
   * reconnect, whichever pod that reaches): each port on its own; resolves with those that failed.
   */
  reforward(): Promise<ForwardFailure[]>;
  /** Stops the remote listeners (connections already made run on until they end). */
  close(): Promise<void>;
}

export interface ExposeOptions {
  /** Where sshd listens in the pod (default 0.0.0.0). */
  bind?: PodBind;
  /** Makes the connection to a mapping's workstationPort in place of net.connect to 127.0.0.1 here. */
  dial?: Dialer;
  /** With `dial`: where that port is, for the log (e.g. "in the container's network namespace"). */
  where?: string;
  /**
   * reforward(): how long a port that sshd cannot bind is tried again, ms (default 12 s). The same pod's
   * sshd frees the old connection's listeners only once it notices that connection gone (ClientAlive: 10 s).
   */
  rebindMs?: number;
}

/** Pod-side ports the mappings listen on, without repeats: what the proxy pod must declare. */
export function exposedPodPorts(mappings: readonly PortMapping[]): number[] {
  return [...new Set(mappings.map((m) => m.podPort))].sort((a, b) => a - b);
}

/** Makes the connection that a cluster connection is delivered to, as net.connect would (e.g. inbound/netns.ts dialInNetns). */
export type Dialer = (port: number) => net.Socket;

const REBIND_MS = 12_000;
const REBIND_RETRY_MS = 250;

/**
 * Starts a remote forward for each mapping (in order; one that fails stops the ones made and
 * rejects). `log` hears of each connection that found no listener here. The tunnel must stay the
 * same object across reconnects (ProxyTunnel): reforward() asks it again.
 */
export async function exposePorts(tunnel: ForwardingTunnel, mappings: readonly PortMapping[], log: (line: string) => void, o: ExposeOptions = {}): Promise<ExposedPorts> {
  const { bind = '0.0.0.0', dial, where = 'where it is delivered' } = o;
  const counts: ExposeCounts = { accepted: 0, refused: 0 };
  const forwards: RemoteForward[] = [];
  let closed = false;
  const closing = new AbortController();
  let reforwarding: Promise<unknown> = Promise.resolve();
  const forward = (m: PortMapping) => tunnel.forwardIn(bind, m.podPort, (stream) => relay(stream, m, counts, log, dial, where));
  const cancelAll = async () => {
    await Promise.allSettled(forwards.splice(0).map((f) => f.cancel()));
  };
  const close = async () => {
    closed = true;
    closing.abort();
    await reforwarding;
    await cancelAll();
  };
  /** One mapping again; a port sshd will not bind yet is tried until rebindMs. */
  const again = async (m: PortMapping): Promise<ForwardFailure | null> => {
    const deadline = Date.now() + (o.rebindMs ?? REBIND_MS);
    for (;;) {
      try {
        const f = await forward(m);
        if (closed) await f.cancel();
        else forwards.push(f);
        return null;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (closed) return null;
        if (!/Unable to bind/.test(reason) || Date.now() >= deadline) return { podPort: m.podPort, reason };
      }
      await pause(Math.min(REBIND_RETRY_MS, Math.max(0, deadline - Date.now())), closing.signal);
    }
  };
  const reforward = (): Promise<ForwardFailure[]> => {
    // One at a time: a connection lost again meanwhile brings its own call after this one.
    const work = reforwarding.then(async () => {
      if (closed) return [];
      // The old connection's listeners went with it: their cancel() changes nothing in the pod.
      await cancelAll();
      const results = await Promise.all(mappings.map(again));
      return results.filter((r): r is ForwardFailure => r !== null);
    });
    reforwarding = work.catch(() => undefined);
    return work;
  };
  try {
    for (const m of mappings) forwards.push(await forward(m));
  } catch (err) {
    await cancelAll();
    throw err;
  }
  return { counts, reforward, close };
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
