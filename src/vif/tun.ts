// The TUN device as Node sees it: shim/tun's addon opens /dev/net/tun (IFF_TUN | IFF_NO_PI) and
// signals readable packets from the event loop (uv_poll); reads and writes are synchronous
// non-blocking syscalls, one packet each, into one reused buffer.
import { existsSync, read } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HostError, UnsupportedError } from '../errors.js';

interface TunAddon {
  open(name: string, mtu: number, blocking?: boolean): { fd: number; name: string };
  /** The same, with the device created inside the network namespace of nsPath (on a short-lived thread). */
  openInNetns(nsPath: string, name: string, mtu: number, blocking?: boolean): { fd: number; name: string };
  /** A TCP socket created inside the network namespace of nsPath, bound to ip:port, not yet listening. */
  tcpSocketInNetns(nsPath: string, ip: string, port: number): number;
  read(fd: number, buf: Buffer): number;
  write(fd: number, buf: Uint8Array, length: number): number;
  watch(fd: number, onReadable: (status: number) => void): object;
  unwatch(handle: object): void;
  close(fd: number): void;
  /** malloc_trim(0): the C heap's free pages back to the kernel; true when some were (src/session/heap-trim.ts). */
  trimHeap(): boolean;
  /** V8's LowMemoryNotification: the memory reducer's compacting collections, now (src/session/heap-trim.ts). */
  lowMemory?(): boolean;
}

// From dist/src/vif/ (compiled) or src/vif/ the repository root is three or two levels up.
const ADDON_CANDIDATES = ['../../../shim/tun/build/Release/tun.node', '../../shim/tun/build/Release/tun.node'];

let addon: TunAddon | null = null;

export function loadTunAddon(): TunAddon {
  const found = findTunAddon();
  if (!found) {
    throw new UnsupportedError('the TUN addon shim/tun/build/Release/tun.node is not built: run `npm ci` (or `npm run install`) with python3, make and g++ installed');
  }
  return found;
}

/** The addon, or null when it is not built. */
export function findTunAddon(): TunAddon | null {
  if (addon) return addon;
  const path = ADDON_CANDIDATES.map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
  if (!path) return null;
  addon = createRequire(import.meta.url)(path) as TunAddon;
  return addon;
}

/** Packets per readable event before the loop yields to other I/O (epoll is level-triggered). */
const BATCH = 256;

export interface TunDevice {
  readonly name: string;
  readonly mtu: number;
  /** Starts delivering packets; `packet` is only valid during the call (the buffer is reused). */
  start(onPacket: (packet: Buffer, length: number) => void): void;
  /** Writes one packet; false when the kernel dropped it (queue full). */
  write(packet: Uint8Array, length?: number): boolean;
  /** Closes the fd: the kernel deletes the device with its addresses and routes. */
  close(): void;
}

/**
 * How packets are read: 'poll' (default) reads on the event loop when uv_poll says the fd is
 * readable; 'threadpool' is fs.read() on a blocking fd, as fs.createReadStream would do: it holds
 * a libuv thread while idle and pays a thread hand-off per packet (kept to measure the difference).
 */
export type TunReadMode = 'poll' | 'threadpool';

/** Opens a TUN device named `name` (empty: the kernel picks tp0, tp1, ...) with the given MTU. */
export function openTun(name: string, mtu: number, mode: TunReadMode = 'poll'): TunDevice {
  const tun = loadTunAddon();
  let opened: { fd: number; name: string };
  try {
    opened = tun.open(name, mtu, mode === 'threadpool');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UnsupportedError(`cannot create the TUN device ${name || 'tp%d'} (${reason}): vpn-tcp needs root (or CAP_NET_ADMIN) and /dev/net/tun`);
  }
  return tunDevice(tun, opened, mtu, mode);
}

/**
 * Opens a TUN device inside another network namespace (nsPath: /run/netns/NAME, /proc/PID/ns/net,
 * a container's namespace): the host's links and routes never see it. The fd is read and written from
 * here like openTun's; the namespace stays alive while the fd is open, even after `ip netns del`.
 */
export function openTunInNetns(nsPath: string, name: string, mtu: number, mode: TunReadMode = 'poll'): TunDevice {
  const tun = loadTunAddon();
  let opened: { fd: number; name: string };
  try {
    opened = tun.openInNetns(nsPath, name, mtu, mode === 'threadpool');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new HostError(`cannot create the TUN device ${name || 'tp%d'} in the network namespace ${nsPath} (${reason}): it needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and a network namespace file such as /run/netns/NAME or /proc/PID/ns/net`, { value: nsPath });
  }
  return tunDevice(tun, opened, mtu, mode);
}

/**
 * A TCP socket of the namespace at nsPath bound to ip:port (0: the kernel picks), for
 * `net.Server.listen({ fd })`: the VIF's listener must live where its TUN lives, since the
 * redirected SYNs arrive in that namespace.
 */
export function tcpSocketInNetns(nsPath: string, ip: string, port: number): number {
  try {
    return loadTunAddon().tcpSocketInNetns(nsPath, ip, port);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new HostError(`cannot bind the VIF listener ${ip}:${port} in the network namespace ${nsPath} (${reason}): it needs root (CAP_SYS_ADMIN) and the TUN's address configured there first`, { value: nsPath });
  }
}

function tunDevice(tun: TunAddon, opened: { fd: number; name: string }, mtu: number, mode: TunReadMode): TunDevice {
  const { fd } = opened;
  const buf = Buffer.alloc(Math.max(mtu, 1500) + 4);
  let watcher: object | null = null;
  let closed = false;
  return {
    name: opened.name,
    mtu,
    start(onPacket) {
      if (watcher || closed) return;
      if (mode === 'threadpool') {
        const next = (): void => {
          read(fd, buf, 0, buf.length, null, (err, n) => {
            if (closed || err) return;
            onPacket(buf, n);
            next();
          });
        };
        watcher = {};
        return next();
      }
      watcher = tun.watch(fd, () => {
        for (let i = 0; i < BATCH && !closed; i++) {
          const n = tun.read(fd, buf);
          if (n < 0) break;
          onPacket(buf, n);
        }
      });
    },
    write(packet, length = packet.length) {
      if (closed) return false;
      return tun.write(fd, packet, length) >= 0;
    },
    close() {
      if (closed) return;
      closed = true;
      if (watcher && mode === 'poll') tun.unwatch(watcher);
      tun.close(fd);
    },
  };
}
