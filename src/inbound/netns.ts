// Inbound for the container method: the session stays on the host, the user's container lives in the
// sidecar's network namespace; these reach into it with sockets created there (a socket keeps its namespace).
import { closeSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import { HostError, UsageError } from '../errors.js';
import { loadTunAddon } from '../vif/tun.js';

const NS_FIX = 'it needs root (CAP_SYS_ADMIN) and a network namespace file such as /run/netns/NAME or /proc/PID/ns/net that still exists';

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A TCP connection to host:port made from inside the network namespace at nsPath (so it reaches a server
 * there bound to its 127.0.0.1), returned at once and used as net.connect's socket is: 'connect', 'error'
 * (err.code ECONNREFUSED, ...), half-close (allowHalfOpen). host must be an IPv4 address (the socket is
 * AF_INET). When the socket cannot be made there (no such namespace, no permission, no TUN addon) nothing
 * throws: the socket emits 'error' with a HostError naming nsPath, then 'close', as a refused connect does,
 * so a relay handles both in one place.
 */
export function dialInNetns(nsPath: string, port: number, host = '127.0.0.1'): net.Socket {
  if (!net.isIPv4(host)) throw new TypeError(`dialInNetns: host must be an IPv4 address, not ${host}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`dialInNetns: port must be from 1 to 65535, not ${port}`);
  let fd = -1;
  try {
    // Bound to 0.0.0.0:0, so the kernel picks the source address for host (127.0.0.1 for loopback).
    fd = loadTunAddon().tcpSocketInNetns(nsPath, '0.0.0.0', 0);
    // manualStart (the option tty.ReadStream uses): no read on the fd before it is connected; the first
    // read starts on 'connect', as for net.connect. (readable/writable: false would end the stream for good.)
    const socket = new net.Socket({ fd, allowHalfOpen: true, manualStart: true } as net.SocketConstructorOpts);
    return socket.connect(port, host);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    const failed = new net.Socket({ allowHalfOpen: true });
    failed.destroy(new HostError(`cannot connect to ${host}:${port} in the network namespace ${nsPath} (${reasonOf(err)}): ${NS_FIX}`, { value: nsPath, cause: err }));
    return failed;
  }
}

/** `--container-to-host CPORT[:HPORT]`: the container's localhost:CPORT reaches the workstation's 127.0.0.1:HPORT. */
export interface ContainerToHostMapping {
  readonly containerPort: number;
  readonly hostPort: number;
}

export interface ContainerToHostCounts {
  /** Connections from the container joined to a workstation server. */
  accepted: number;
  /** Connections from the container that found nothing on the workstation (closed at once). */
  refused: number;
}

export interface ContainerToHost {
  readonly counts: ContainerToHostCounts;
  /** Stops the listeners in the namespace (connections already made run on until they end). */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:CPORT inside the network namespace at nsPath for each mapping (never on another
 * address there) and joins each connection to a new one to 127.0.0.1:HPORT on the workstation. All or
 * nothing: a CPORT that is taken there throws a HostError naming the port and the namespace, after
 * closing the listeners already made. `log` hears of each connection that found nothing on the workstation.
 */
export async function forwardContainerToHost(nsPath: string, mappings: readonly ContainerToHostMapping[], log: (line: string) => void): Promise<ContainerToHost> {
  const counts: ContainerToHostCounts = { accepted: 0, refused: 0 };
  const servers: net.Server[] = [];
  // net.Server.close()'s callback waits for every connection; the listening fd is closed at the call.
  const close = async () => {
    for (const s of servers.splice(0)) s.close();
  };
  const seen = new Set<number>();
  try {
    for (const m of mappings) {
      if (seen.has(m.containerPort)) {
        throw new UsageError(`--container-to-host ${m.containerPort}:${m.hostPort}: container port ${m.containerPort} is given twice; give each CONTAINER_PORT once`, { value: String(m.containerPort) });
      }
      seen.add(m.containerPort);
      servers.push(await listenInNetns(nsPath, m, (c) => joinToHost(c, m, counts, log)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { counts, close };
}

async function listenInNetns(nsPath: string, m: ContainerToHostMapping, onConnection: (c: net.Socket) => void): Promise<net.Server> {
  let fd: number;
  try {
    fd = loadTunAddon().tcpSocketInNetns(nsPath, '127.0.0.1', m.containerPort);
  } catch (err) {
    const flag = `--container-to-host ${m.containerPort}:${m.hostPort}`;
    if ((err as { errno?: number }).errno === constants.errno.EADDRINUSE) {
      throw new HostError(`${flag}: port ${m.containerPort} is already taken on 127.0.0.1 in the network namespace ${nsPath}`,
        { value: String(m.containerPort), hint: 'pick a CONTAINER_PORT that nothing in the container listens on', cause: err });
    }
    throw new HostError(`${flag}: cannot listen on 127.0.0.1:${m.containerPort} in the network namespace ${nsPath} (${reasonOf(err)}): ${NS_FIX}`, { value: nsPath, cause: err });
  }
  const server = net.createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      server.close();
      reject(new HostError(`--container-to-host ${m.containerPort}:${m.hostPort}: cannot listen on 127.0.0.1:${m.containerPort} in the network namespace ${nsPath} (${reasonOf(err)})`, { value: nsPath, cause: err }));
    });
    server.listen({ fd }, () => resolve());
  });
  return server;
}

/**
 * Joins an accepted connection to one being dialled, byte for byte and with half-close (each side's end
 * travels behind its data); an error on either side ends the other at once, and a dial that fails closes
 * the accepted connection at once (its client sees an end rather than a hang) after `onRefused`.
 * `onConnected` counts the joined ones.
 */
export function joinSockets(accepted: net.Socket, dialled: net.Socket, onRefused: (err: NodeJS.ErrnoException) => void, onConnected: () => void = () => undefined): void {
  accepted.setNoDelay(true);
  dialled.setNoDelay(true);
  let connected = false;
  dialled.once('connect', () => {
    connected = true;
    onConnected();
    accepted.pipe(dialled);
    dialled.pipe(accepted);
  });
  dialled.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) onRefused(err);
    accepted.destroy();
  });
  accepted.on('error', () => dialled.destroy());
  accepted.on('close', (hadError) => hadError && dialled.destroy());
  dialled.on('close', (hadError) => hadError && accepted.destroy());
}

function joinToHost(c: net.Socket, m: ContainerToHostMapping, counts: ContainerToHostCounts, log: (line: string) => void): void {
  const h = net.connect({ host: '127.0.0.1', port: m.hostPort, allowHalfOpen: true });
  joinSockets(c, h, (err) => {
    counts.refused += 1;
    log(`container-to-host: a connection to localhost:${m.containerPort} in the container found nothing on 127.0.0.1:${m.hostPort} on the workstation (${err.code ?? err.message}); closed it`);
  }, () => { counts.accepted += 1; });
}
