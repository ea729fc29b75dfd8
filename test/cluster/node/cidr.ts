// IPv4 CIDR arithmetic for the node: parse a subnet, name its n-th address, test membership.
// Pure: used by the kubelet's IP allocator, the network setup and the DNS server.

export interface Ipv4Cidr {
  readonly base: number; // network address as an unsigned 32-bit number
  readonly bits: number;
  readonly text: string;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`"${ip}" is not an IPv4 address; give four numbers 0-255 separated by dots`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(text: string): Ipv4Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 30) {
    throw new Error(`"${text}" is not an IPv4 subnet; give it as A.B.C.D/N with N at most 30, e.g. 10.132.0.0/16`);
  }
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const base = ipToInt(m[1]!) - (ipToInt(m[1]!) % size);
  return { base, bits, text: `${intToIp(base)}/${bits}` };
}

export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.bits);
}

/** The n-th address of the subnet (0 is the network address). */
export function nthAddress(cidr: Ipv4Cidr, n: number): string {
  if (n < 0 || n >= cidrSize(cidr)) throw new Error(`address #${n} is outside ${cidr.text}`);
  return intToIp(cidr.base + n);
}

export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= cidr.base && n < cidr.base + cidrSize(cidr);
}
