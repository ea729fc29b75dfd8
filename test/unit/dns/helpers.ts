// Shared by the DNS unit tests: records, results and a scripted Lookup that counts its calls.
import { RCODE, TYPE, type DnsRecord, type Lookup, type LookupResult } from '../../../src/dns/index.js';

export function a(name: string, address: string, ttl = 30): DnsRecord {
  return { name, type: TYPE.A, class: 1, ttl, address } as DnsRecord;
}

export function aaaa(name: string, address: string, ttl = 30): DnsRecord {
  return { name, type: TYPE.AAAA, class: 1, ttl, address } as DnsRecord;
}

export function cname(name: string, domain: string, ttl = 30): DnsRecord {
  return { name, type: TYPE.CNAME, class: 1, ttl, domain } as DnsRecord;
}

export const ok = (...answers: DnsRecord[]): LookupResult => ({ rcode: RCODE.NOERROR, answers });
export const nx: LookupResult = { rcode: RCODE.NXDOMAIN, answers: [] };

/** A Lookup answering from a table (NXDOMAIN otherwise), recording every call; `hold` delays answers until released. */
export class ScriptedLookup {
  readonly calls: string[] = [];
  private held: (() => void)[] = [];
  hold = false;

  constructor(private readonly table: Record<string, LookupResult | Error> = {}) {}

  readonly lookup: Lookup = async (name, type) => {
    this.calls.push(`${name}|${type}`);
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    const found = this.table[name];
    if (found instanceof Error) throw found;
    return found ?? nx;
  };

  release(): void {
    const held = this.held;
    this.held = [];
    held.forEach((r) => r());
  }
}

/** Lets queued promise callbacks run (several turns: a look-up passes through a few awaits). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
