// The DNS steps of a vpn-tcp session in order, each change with its undo on the session's stack:
// our server listens, becomes the host's resolver, teaches the pod the search suffixes, proves the
// tunnel with fresh names (else `vpn-tcp tunnel did not connect`), and runs the recursion check.
import type { DnsPolicy } from '../engine/index.js';
import { NO_JOURNAL, type ChangeJournal, type UndoRegistry } from '../changes.js';
import { RESOLVER_ENTRY, type HostResolverConfig, type ResolverChange, type ResolverTarget } from '../host/resolver.js';
import type { TranslateIp } from './answers.js';
import type { RecursionState } from './cache.js';
import { resolvConfSearch } from '../host/resolv-conf.js';
import { nameserverLookup, readOriginalResolver } from './original.js';
import type { Lookup } from './records.js';
import { listenWorkstationDns, type DnsListener } from './server.js';
import { checkRecursion, systemLookup, teachSearchSuffixes, waitForDnsReady, type SystemLookup } from './startup.js';
import { WorkstationDns, type WorkstationDnsOptions } from './workstation-dns.js';

export interface VpnDnsOptions {
  policy: DnsPolicy;
  clusterLookup: Lookup;
  /** WorkstationDns's options for a cluster lookup that is a local table (teleproxy). */
  cacheClusterAnswers?: boolean;
  answerTtlSeconds?: number;
  translate?: TranslateIp;
  /** WorkstationDns's unmatchedLookup (--proxy-via). */
  unmatchedLookup?: WorkstationDnsOptions['unmatchedLookup'];
  isClusterIp?: (ip: string) => boolean;
  /** WorkstationDns's answeredElsewhere: names another session on this workstation answers. */
  answeredElsewhere?: WorkstationDnsOptions['answeredElsewhere'];
  /** Where our server listens: port 53 on the TUN's DNS address (or a 127.x address). */
  listen: { host: string; port: number };
  hostResolver: HostResolverConfig;
  /** The systemd-resolved part of the target (link and domains); address and port come from `listen`. */
  resolved: Omit<ResolverTarget, 'address' | 'port'>;
  /** The resolv.conf read before the change, for the original nameservers and search suffixes. */
  resolvConfPath?: string;
  lookupTimeoutMs: number;
  /** timeouts.dnsReadyMs. */
  readyDeadlineMs: number;
  systemLookup?: SystemLookup;
  resolverFiles?: readonly string[];
  log: (line: string) => void;
  undo: UndoRegistry;
  /** The resolver change is recorded here before it is made. */
  journal?: ChangeJournal;
}

export interface VpnDns {
  resolver: WorkstationDns;
  listener: DnsListener;
  change: ResolverChange;
  recursion: RecursionState;
  readyMs: number;
}

export async function startVpnDns(o: VpnDnsOptions): Promise<VpnDns> {
  // Read before the change: after it, resolv.conf names us.
  const { text, servers: originals, lookup: firstLookup } = await readOriginalResolver(o.resolvConfPath, o.listen);
  // Until the change is made, the nameservers read now; then the change's upstream, which follows the
  // sessions before this one ending (the resolver chain, src/host/resolver-chain.ts).
  let upstream: Lookup | undefined = firstLookup;
  const originalLookup: Lookup = (name, type) => (upstream === undefined ? Promise.reject(new Error('the original resolver configuration names no nameserver')) : upstream(name, type));
  const resolver = new WorkstationDns({
    policy: o.policy,
    clusterLookup: o.clusterLookup,
    cacheClusterAnswers: o.cacheClusterAnswers,
    answerTtlSeconds: o.answerTtlSeconds,
    originalLookup: firstLookup === undefined ? undefined : originalLookup,
    translate: o.translate,
    unmatchedLookup: o.unmatchedLookup,
    isClusterIp: o.isClusterIp,
    answeredElsewhere: o.answeredElsewhere,
    lookupTimeoutMs: o.lookupTimeoutMs,
    log: o.log,
  });
  const listener = await listenWorkstationDns(resolver, o.listen, o.log);
  o.undo.push(`stop the DNS server on ${o.listen.host}:${listener.port}`, () => listener.close());
  o.log(`vpn-tcp: DNS server on ${o.listen.host}:${listener.port} (UDP, TCP); original nameservers ${originals.map((n) => n.host).join(', ') || 'none'}`);

  const entry = (o.journal ?? NO_JOURNAL).record(RESOLVER_ENTRY, o.hostResolver.entry);
  const change = await o.hostResolver.apply({ ...o.resolved, address: o.listen.host, port: listener.port });
  o.undo.push(`restore the host's resolver (${change.method})`, entry.settleAfter(async () => {
    o.log(`vpn-tcp: ${await change.undo()}`);
  }));
  o.log(`vpn-tcp: the host resolves through us (${change.method})`);
  upstream = async (name, type) => nameserverLookup(await change.upstream())(name, type);

  const taught = await teachSearchSuffixes(resolver, resolvConfSearch(text));
  if (taught.length > 0) o.log(`vpn-tcp: the pod learned the search suffixes ${taught.join(', ')}`);
  const ready = await waitForDnsReady({
    lookup: o.systemLookup ?? systemLookup, deadlineMs: o.readyDeadlineMs, resolverFiles: o.resolverFiles, log: o.log,
  });
  const recursion = await checkRecursion(resolver, o.systemLookup ?? systemLookup);
  o.log(`vpn-tcp: DNS recursion check: ${recursion}`);
  return { resolver, listener, change, recursion, readyMs: ready.elapsedMs };
}
