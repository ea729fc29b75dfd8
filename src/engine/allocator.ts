// The virtual IP allocator of VNAT: hands out addresses of the virtual subnet in order, one per
// cluster IP, and remembers both directions for the session (DNS rewrite, VIF translate-back).
import { ConflictError } from '../errors.js';
import { bitsOf, formatIp, parseIp, type Family } from './ip.js';
import { formatNet, lastAddress, toNet, type Net } from './cidr.js';
import { exhaustedMessage } from './format.js';

export class VirtualIpAllocator {
  readonly subnet: string;
  private readonly net: Net;
  private next: bigint;
  private readonly last: bigint;
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();

  /** subnetCidr: routing.virtualSubnet, e.g. 246.246.0.0/16. Throws a UsageError when it is no CIDR. */
  constructor(subnetCidr: string) {
    this.net = toNet(subnetCidr);
    this.subnet = formatNet(this.net);
    // Sequential from the first host address, like TP2's generator (network address + 1).
    this.next = this.net.value + 1n;
    // TP2 stops when the next address leaves the subnet, so it also hands out an IPv4 broadcast
    // address (x.x.x.255 of a /24). We stop one short for IPv4 subnets that have a broadcast address,
    // because the kernel may treat that address as broadcast once the TUN has an address in the subnet.
    const top = lastAddress(this.net);
    this.last = this.net.family === 4 && bitsOf(this.net.family) - this.net.prefix >= 2 ? top - 1n : top;
  }

  get family(): Family {
    return this.net.family;
  }

  /**
   * The virtual IP for a cluster IP (IPv4 or IPv6, any spelling): the same IP always gets the same
   * virtual IP. Throws a ConflictError `virtual subnet CIDR <cidr> is exhausted` when none is left.
   */
  translate(clusterIp: string): string {
    const key = formatIp(parseIp(clusterIp));
    const known = this.forward.get(key);
    if (known !== undefined) return known;
    if (this.next > this.last) throw new ConflictError(exhaustedMessage(this.subnet));
    const vip = formatIp({ family: this.net.family, value: this.next });
    this.next += 1n;
    this.forward.set(key, vip);
    this.backward.set(vip, key);
    return vip;
  }

  /** The cluster IP behind a virtual IP handed out earlier, or undefined. */
  clusterIpOf(virtualIp: string): string | undefined {
    return this.backward.get(formatIp(parseIp(virtualIp)));
  }

  /** The virtual IP already given to a cluster IP, without allocating one. */
  lookup(clusterIp: string): string | undefined {
    return this.forward.get(formatIp(parseIp(clusterIp)));
  }

  /** [clusterIp, virtualIp] pairs in allocation order. */
  entries(): Array<[string, string]> {
    return [...this.forward.entries()];
  }
}
