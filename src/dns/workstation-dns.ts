// The workstation DNS resolver of a vpn-tcp session: each question goes to the cluster (through the
// proxy pod) or to the original resolver by the engine's name policy, through the cache, and cluster
// answers are rewritten for VNAT. Transport-free: server.ts puts it on UDP/TCP, the VIF hands it packets.
import { ipv4ToInt } from '../engine/ip.js';
import { dnsDestination, isUnmatchedName, type DnsPolicy } from '../engine/index.js';
import { checkDnsMessage, dnsErrorReply, PROBE_PREFIX } from '../protocol/index.js';
import { CLUSTER_ANSWER_TTL_SECONDS, rewriteClusterResult, type TranslateIp } from './answers.js';
import { LookupCache, type AnswerSource } from './cache.js';
import {
  describeResult, normalizeName, Packet, RCODE, TYPE, typeName, type DnsPacket, type Lookup, type LookupResult,
} from './records.js';

/** Telepresence 2's marker: a name that exists nowhere, asked once to see whether it comes back to us. */
export const RECURSION_CHECK_NAME = 'tel2-recursion-check.kube-system';
/** Telepresence 1's suffix-learning probes (src/protocol): the pod learns the rest of the name as a search suffix. */
export { PROBE_PREFIX };

export type Destination = 'cluster' | 'workstation' | 'localhost';

export interface WorkstationDnsOptions {
  policy: DnsPolicy;
  /** Answers cluster-bound questions (podDnsLookup(...).lookup in a session). */
  clusterLookup: Lookup;
  /** The original resolver (nameserverLookup of the saved resolv.conf); without it such names are REFUSED. */
  originalLookup?: Lookup;
  /** Whether an IP is in the cluster's subnets: its reverse (PTR) names then go to the cluster. */
  isClusterIp?: (ip: string) => boolean;
  /** VNAT: the virtual IP for a cluster IP in a VNAT'd subnet. */
  translate?: TranslateIp;
  /**
   * --proxy-via: asked first for a name no rule of the policy names (rule 6 of dnsDestination: not excluded,
   * no cluster suffix), e.g. a mesh's hostAliases name; a result is a cluster answer (rewritten, translated),
   * null leaves the name to the original resolver.
   */
  unmatchedLookup?: (name: string, type: number) => Promise<LookupResult | null>;
  /**
   * Several sessions (session-chain.ts): a cluster-bound name that another session answers (its reason,
   * e.g. `namespace ns1 of telepresence pid 42`) goes to the original resolver, which leads to that one.
   */
  answeredElsewhere?: (name: string) => string | null;
  /** Bounds one cluster look-up (config dns.lookupTimeoutMs); then SERVFAIL. */
  lookupTimeoutMs?: number;
  answerTtlSeconds?: number;
  /**
   * Default true: cluster answers are kept for cacheMaxAgeMs. False when clusterLookup is itself a local
   * table that follows the cluster (teleproxy): each question reads it, so a change shows at once.
   */
  cacheClusterAnswers?: boolean;
  cacheMaxAgeMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const SERVFAIL_RESULT: LookupResult = { rcode: RCODE.SERVFAIL, answers: [] };

export class WorkstationDns {
  readonly cache: LookupCache;
  private policy: DnsPolicy;
  /** Results of unmatchedLookup: shown as cluster answers. */
  private readonly relayed = new WeakSet<LookupResult>();
  private readonly log: (line: string) => void;
  /** Questions answered, by how (for the session's summary and the tests). */
  readonly counts: Record<AnswerSource | 'failed', number> = { lookup: 0, cache: 0, shared: 0, recursion: 0, failed: 0 };

  constructor(private readonly options: WorkstationDnsOptions) {
    this.policy = options.policy;
    this.log = options.log ?? (() => undefined);
    this.cache = new LookupCache(options.cacheMaxAgeMs ?? 60_000, options.now ?? Date.now);
  }

  /** New search path or mapped namespaces: later questions follow it, and old answers are dropped. */
  setPolicy(policy: DnsPolicy): void {
    this.policy = policy;
    this.cache.flush();
  }

  /**
   * The cluster's namespaces changed (the session's watch): `svc.ns` names follow the new list. Answers
   * kept so far are dropped, as a name may now belong to the other side; the same list changes nothing.
   * Returns whether the list changed.
   */
  setMappedNamespaces(names: readonly string[]): boolean {
    const next = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))].sort();
    const now = [...this.policy.mappedNamespaces].sort();
    if (next.length === now.length && next.every((n, i) => n === now[i])) return false;
    this.setPolicy({ ...this.policy, mappedNamespaces: next });
    return true;
  }

  get mappedNamespaces(): readonly string[] {
    return this.policy.mappedNamespaces;
  }

  flush(): void {
    this.cache.flush();
  }

  destination(name: string): Destination {
    const n = normalizeName(name);
    if (n === 'localhost' || n.endsWith('.localhost')) return 'localhost';
    // The probes and the marker are ours: they must reach the pod whatever suffix the stub added.
    if (n.startsWith(PROBE_PREFIX) || n === RECURSION_CHECK_NAME) return 'cluster';
    const reversed = ipv4OfReverseName(n);
    if (reversed !== null) return this.options.isClusterIp?.(reversed) ? 'cluster' : 'workstation';
    const where = dnsDestination(n, this.policy);
    return where === 'cluster' && this.options.answeredElsewhere?.(n) ? 'workstation' : where;
  }

  /** The result for one question, as the workstation's stub resolver should see it. */
  async resolve(name: string, type: number): Promise<LookupResult> {
    const key = `${normalizeName(name)}|${type}`;
    const where = this.destination(name);
    if (where === 'localhost') return localhostResult(name, type);
    try {
      const { result, source, firstOfBurst } =
        where === 'cluster'
          ? await this.cache.get(key, () => this.askCluster(normalizeName(name), type), {
              keep: this.options.cacheClusterAnswers ?? true,
              isRecursionCheck: normalizeName(name) === RECURSION_CHECK_NAME,
            })
          : await this.cache.get(key, () => this.askWorkstation(name, type), { keep: false });
      this.counts[source] += 1;
      const fromRelay = where === 'workstation' && this.relayed.has(result);
      const shown = where === 'cluster' || fromRelay
        ? rewriteClusterResult(name, type, result, {
            ttlSeconds: this.options.answerTtlSeconds ?? CLUSTER_ANSWER_TTL_SECONDS,
            // The probes' answer (127.0.0.1) is the pod's word, not an address: a VNAT'd 127.0.0.0/8 must not change it.
            translate: normalizeName(name).startsWith(PROBE_PREFIX) ? undefined : this.options.translate,
          })
        : result;
      // A loop answered here is one line per burst (the first repeat of a question in flight), not one per repeat.
      const whose = where === 'workstation' ? this.options.answeredElsewhere?.(normalizeName(name)) : null;
      const how = fromRelay ? 'workstation, asked of the --proxy-via relay first' : whose ? `workstation: ${whose}` : where;
      if (source !== 'recursion') this.log(`dns: ${describeResult(name, type, shown)} (${how}, ${source})`);
      else if (firstOfBurst) this.log(`dns: recursion: ${typeName(type)} ${normalizeName(name)} came back while its look-up is in flight: NXDOMAIN at once, to every repeat until it ends`);
      return shown;
    } catch (err) {
      this.counts.failed += 1;
      this.log(`dns: ${describeResult(name, type, SERVFAIL_RESULT)} (${where}: ${err instanceof Error ? err.message : String(err)})`);
      return SERVFAIL_RESULT;
    }
  }

  /** The response to a parsed request (every question answered; the first failing rcode wins). */
  async answer(request: DnsPacket): Promise<DnsPacket> {
    const response = Packet.createResponseFromRequest(request);
    response.header.ra = 1;
    // Exactly one question (RFC 9619): a datagram of many questions must not become many look-ups.
    if (request.header.opcode !== 0 || request.questions.length !== 1) {
      response.header.rcode = request.header.opcode !== 0 ? RCODE.NOTIMP : RCODE.FORMERR;
      return response;
    }
    let rcode: number = RCODE.NOERROR;
    for (const question of request.questions) {
      const result = await this.resolve(question.name, question.type);
      response.answers.push(...result.answers);
      response.authorities.push(...(result.authorities ?? []));
      if (rcode === RCODE.NOERROR) rcode = result.rcode;
    }
    response.header.rcode = rcode;
    return response;
  }

  /**
   * A raw DNS message (a UDP payload read from the TUN) in, the raw reply out; too large a reply
   * is cut to the question with TC set, so the stub retries over TCP.
   */
  readonly answerDnsPacket = async (packet: Buffer): Promise<Buffer | null> => {
    const check = checkDnsMessage(packet, 'query');
    if (!check.ok) {
      if (check.rcode === null) return null; // not a query, or too short to answer
      return Buffer.from(dnsErrorReply(packet, check.rcode));
    }
    let request: DnsPacket;
    try {
      request = Packet.parse(packet);
    } catch {
      return Buffer.from(dnsErrorReply(packet, RCODE.FORMERR));
    }
    return fitUdp(request, await this.answer(request));
  };

  private askCluster(name: string, type: number): Promise<LookupResult> {
    return withTimeout(this.options.clusterLookup(name, type), this.options.lookupTimeoutMs ?? 8000, `the cluster look-up of ${name}`);
  }

  /** The original resolver's answer, or for an unmatched name with --proxy-via the relay's when it has one. */
  private async askWorkstation(name: string, type: number): Promise<LookupResult> {
    const first = this.options.unmatchedLookup;
    const n = normalizeName(name);
    if (first !== undefined && ipv4OfReverseName(n) === null && isUnmatchedName(n, this.policy)) {
      const relayed = await withTimeout(first(n, type), this.options.lookupTimeoutMs ?? 8000, `the --proxy-via look-up of ${n}`).catch((err: Error) => {
        this.log(`dns: ${n}: ${err.message}; asking the original resolver`);
        return null;
      });
      if (relayed !== null) {
        this.relayed.add(relayed);
        return relayed;
      }
    }
    return this.askOriginal(name, type);
  }

  private async askOriginal(name: string, type: number): Promise<LookupResult> {
    if (this.options.originalLookup === undefined) return { rcode: RCODE.REFUSED, answers: [] };
    return this.options.originalLookup(name, type);
  }
}

/** 4.3.2.1.in-addr.arpa -> 1.2.3.4; null for any other name. */
export function ipv4OfReverseName(name: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  if (m === null) return null;
  const ip = [m[4], m[3], m[2], m[1]].join('.');
  return ipv4ToInt(ip) === null ? null : ip;
}

function localhostResult(name: string, type: number): LookupResult {
  const base = { name, class: Packet.CLASS.IN, ttl: CLUSTER_ANSWER_TTL_SECONDS };
  if (type === TYPE.A) return { rcode: RCODE.NOERROR, answers: [{ ...base, type, address: '127.0.0.1' } as LookupResult['answers'][number]] };
  if (type === TYPE.AAAA) return { rcode: RCODE.NOERROR, answers: [{ ...base, type, address: '::1' } as LookupResult['answers'][number]] };
  return { rcode: RCODE.NOERROR, answers: [] };
}

/** RFC 1035/6891: a UDP reply fits the requester's EDNS size (else 512), or carries TC and the question only. */
export function fitUdp(request: DnsPacket, response: DnsPacket): Buffer {
  const opt = request.additionals.find((r) => r.type === TYPE.EDNS);
  const limit = Math.max(opt?.class ?? 0, 512);
  const full = response.toBuffer();
  if (full.length <= limit) return full;
  const cut = Packet.createResponseFromRequest(request);
  cut.header.ra = 1;
  cut.header.tc = 1;
  cut.header.rcode = response.header.rcode;
  return cut.toBuffer();
}
