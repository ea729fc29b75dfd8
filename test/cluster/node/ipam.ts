// Pod IP allocation from the pod subnet: .1 is the node's gateway; addresses are handed out in turn
// (not lowest-free) so that a just-freed IP is not reused at once while connections to it linger.
import { cidrSize, intToIp, ipToInt, parseCidr } from './cidr.js';

export class PodIpAllocator {
  private readonly used = new Set<string>();
  private readonly first: number;
  private readonly count: number;
  private next = 0;

  constructor(podSubnet: string) {
    const cidr = parseCidr(podSubnet);
    this.first = cidr.base + 2; // skip the network address and the gateway
    this.count = cidrSize(cidr) - 3; // and the broadcast address
  }

  reserve(ip: string): void {
    this.used.add(ip);
    const offset = ipToInt(ip) - this.first;
    if (offset >= this.next && offset < this.count) this.next = offset + 1;
  }

  allocate(): string {
    for (let i = 0; i < this.count; i++) {
      const ip = intToIp(this.first + ((this.next + i) % this.count));
      if (!this.used.has(ip)) {
        this.used.add(ip);
        this.next = (this.next + i + 1) % this.count;
        return ip;
      }
    }
    throw new Error(`the pod subnet has no free address left (${this.count} in use)`);
  }

  release(ip: string): void {
    this.used.delete(ip);
  }
}
