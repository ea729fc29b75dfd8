// The VIF of vpn-tcp, in one call: open the TUN, give it its address and the plan's routes, bind
// the redirect listener and start moving packets. Everything lands on the caller's undo stack;
// even a SIGKILL leaves nothing behind, since the kernel deletes a TUN (and its routes) with its fd.
import { UsageError } from '../errors.js';
import { configureDevice, netnsIpRunner, runIp, type IpRunner, type UndoRegistry } from './device.js';
import { ipv4ToInt, intToIpv4 } from './ipv4.js';
import { RedirectStack, type Connector, type DnsPacketHandler, type RedirectStats } from './redirect.js';
import { openTun, openTunInNetns, tcpSocketInNetns, type TunReadMode } from './tun.js';

export type { Connector, DnsPacketHandler, RedirectStats } from './redirect.js';
export type { UndoRegistry, IpRunner } from './device.js';
export { netnsIpCommand, netnsIpRunner } from './device.js';
export { openTunInNetns, tcpSocketInNetns } from './tun.js';

export interface VifOptions {
  /** Device name; empty or absent: the kernel picks tp0, tp1, ... */
  name?: string;
  /** Default 65000: big segments make the local TCP cheap (a TUN has no wire to fit). */
  mtu?: number;
  /** The TUN's address and subnet, e.g. "198.18.0.1/16"; the rest of the subnet are fake sources. */
  address: string;
  /** CIDRs routed to the TUN (from the engine's plan: routed subnets, VNAT subnet, --also-proxy). */
  routes: readonly string[];
  connect: Connector;
  /** VNAT: virtual IP -> cluster IP, applied before connect(). */
  translate?: (destIp: string) => string;
  /** UDP to ip:port (default 53) on the VIF goes to onDnsPacket; ip must be in a routed CIDR or the TUN subnet. */
  dns?: { ip: string; port?: number; onDnsPacket: DnsPacketHandler };
  undo: UndoRegistry;
  log?: (line: string) => void;
  /** Default 10 s: how long a closed connection's NAT entry still translates late packets. */
  natLingerMs?: number;
  /** Default 20 s: dialling the cluster longer than this resets the client. */
  connectTimeoutMs?: number;
  /**
   * Default true: the connect recursion guard (dial-guard.ts) holds attempts to an IP:port while the
   * first is in flight and makes them follow its outcome. False only for tests that show the loop.
   */
  dialGuard?: boolean;
  /**
   * Default 5000 (RECENT_DIALS_MS): a SYN to an IP:port that answered within this many ms is taken at
   * once while its dial runs, and reset if that dial fails; 0: every SYN waits for its dial.
   */
  recentDialsMs?: number;
  /**
   * A network namespace file (/run/netns/NAME, /proc/PID/ns/net): TUN, address, routes and listener
   * live there and the host's are not touched; the process itself stays in its own namespace.
   */
  netns?: string;
  /** Default: `ip` on the host, or inside `netns` (netnsIpRunner). */
  ip?: IpRunner;
  /** Default 'poll' (see src/vif/tun.ts; 'threadpool' is measured slower). */
  readMode?: TunReadMode;
}

export interface Vif {
  readonly name: string;
  /** The TUN's own address (T), where the listener is bound. */
  readonly address: string;
  readonly listenPort: number;
  stats(): RedirectStats & { natEntries: number };
}

interface Subnet {
  address: number;
  first: number;
  last: number;
}

export function parseVifAddress(text: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  const address = m ? ipv4ToInt(m[1]) : null;
  const prefix = m ? Number(m[2]) : -1;
  if (address === null || prefix < 8 || prefix > 29) {
    throw new UsageError(`VIF address "${text}" is not an IPv4 address with a prefix from /8 to /29: use e.g. 198.18.0.1/16`);
  }
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (address === network || address === network + size - 1) {
    throw new UsageError(`VIF address "${text}" is the network or broadcast address of its subnet: use a host address such as ${intToIpv4(network + 1)}/${prefix}`);
  }
  return { address, first: network + 1, last: network + size - 2 };
}

/** Opens and configures the VIF; on failure, what was done is already on `opts.undo`. */
export async function startVif(opts: VifOptions): Promise<Vif> {
  const subnet = parseVifAddress(opts.address);
  const dnsIp = opts.dns ? ipv4ToInt(opts.dns.ip) : null;
  if (opts.dns && dnsIp === null) throw new UsageError(`VIF DNS address "${opts.dns.ip}" is not an IPv4 address`);
  const log = opts.log ?? (() => {});
  const { netns } = opts;
  const tun = netns === undefined ? openTun(opts.name ?? '', opts.mtu ?? 65000, opts.readMode) : openTunInNetns(netns, opts.name ?? '', opts.mtu ?? 65000, opts.readMode);
  opts.undo.push(`close TUN ${tun.name}`, () => tun.close());
  await configureDevice({ name: tun.name, address: opts.address, routes: opts.routes }, opts.undo, opts.ip ?? (netns === undefined ? runIp : netnsIpRunner(netns)));
  const stack = new RedirectStack(
    {
      address: subnet.address,
      // Bound after the address is configured; the net.Server owns and closes the fd from here on.
      listenFd: netns === undefined ? undefined : tcpSocketInNetns(netns, intToIpv4(subnet.address), 0),
      pool: { first: subnet.first, last: subnet.last, exclude: dnsIp === null ? [subnet.address] : [subnet.address, dnsIp] },
      connect: opts.connect,
      translate: opts.translate,
      dns: opts.dns && dnsIp !== null ? { ip: dnsIp, port: opts.dns.port ?? 53, onDnsPacket: opts.dns.onDnsPacket } : undefined,
      lingerMs: opts.natLingerMs ?? 10_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
      dialGuard: opts.dialGuard,
      recentDialsMs: opts.recentDialsMs,
      log,
    },
    (packet, length) => tun.write(packet, length),
  );
  const listenPort = await stack.listen();
  opts.undo.push('stop the VIF listener', () => stack.close());
  tun.start((buf, n) => stack.onPacket(buf, n));
  log(`vif: ${tun.name}${netns === undefined ? '' : ` in ${netns}`} ${opts.address} mtu ${tun.mtu}, listener ${intToIpv4(subnet.address)}:${listenPort}, routes ${opts.routes.join(' ') || '(none)'}`);
  return {
    name: tun.name,
    address: intToIpv4(subnet.address),
    listenPort,
    stats: () => ({ ...stack.stats, natEntries: stack.nat.size }),
  };
}
