// Types for ip6addr (the package ships none): only what this project uses.
declare module 'ip6addr' {
  interface Addr {
    kind(): 'ipv4' | 'ipv6';
    toString(opts?: { format?: 'auto' | 'v4' | 'v4-mapped' | 'v6'; zeroElide?: boolean; zeroPad?: boolean }): string;
    toBuffer(buf?: Uint8Array): Uint8Array;
    toLong(): number;
    offset(num: number): Addr | null;
    and(input: Addr | string): Addr;
    or(input: Addr | string): Addr;
    not(): Addr;
    compare(other: Addr | string): number;
  }
  interface CIDR {
    contains(input: Addr | string): boolean;
    first(): Addr;
    last(): Addr;
    broadcast(): Addr | null;
    address(): Addr;
    prefixLength(format?: 'auto' | 'v4' | 'v6'): number;
    toString(opts?: { format?: 'auto' | 'v4' | 'v4-mapped' | 'v6'; zeroElide?: boolean; zeroPad?: boolean }): string;
    compare(other: CIDR): number;
  }
  interface AddrRange {
    contains(input: Addr | string): boolean;
    first(): Addr;
    last(): Addr;
  }
  const ip6addr: {
    parse(input: string | number | Addr): Addr;
    createCIDR(input: string | Addr, len?: number): CIDR;
    createAddrRange(begin: string | Addr, end: string | Addr): AddrRange;
    compare(a: string | Addr, b: string | Addr): number;
  };
  export default ip6addr;
}
