// The pod's DNS server (port 9053, UDP and TCP, dns2): answers with what a process in the pod
// would resolve, after stripping the workstation's search suffixes (policy.ts).
import dns2 from 'dns2';
import type { PodResolver } from '../resolver.js';
import { DNS_MAX_CONCURRENT, guardDnsServer, PROBE_ANSWER, type Dns2ServerLike } from '../../../src/protocol/index.js';
import { ANSWER_TTL_SECONDS, SearchSuffixes, isClusterName, planQuery, ptrNameToIPv4 } from './policy.js';
import type { Upstream } from './upstream.js';

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof Packet>;
type DnsQuestion = DnsPacket['questions'][number];
type DnsResource = DnsPacket['answers'][number];

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export interface PodDnsOptions {
  resolver: PodResolver;
  /** Shared so that tests (and a later control channel) can see what was learned. */
  suffixes?: SearchSuffixes;
  /** Where other record types go (the pod's nameserver); without it they get no answers. */
  upstream?: Upstream;
  /** Local clusters: A/AAAA for non-cluster names go here instead of the pod's resolver. */
  external?: { upstream: Upstream; localNames: readonly string[] };
  log?: (line: string) => void;
}

function record(question: DnsQuestion, fields: Partial<DnsResource>): DnsResource {
  return { name: question.name, class: Packet.CLASS.IN, ttl: ANSWER_TTL_SECONDS, ...fields } as DnsResource;
}

/** The first of `names` that resolves, with its addresses; null when none does. */
async function firstResolving(options: PodDnsOptions, names: string[]): Promise<{ name: string; ips: string[]; external?: boolean } | null> {
  for (const name of names) {
    try {
      const external = options.external;
      if (external !== undefined && !isClusterName(name, external.localNames)) {
        const answers = await external.upstream(name, Packet.TYPE.A);
        const ips = answers.filter((a) => a.type === Packet.TYPE.A && a.address).map((a) => a.address as string);
        if (ips.length > 0) return { name, ips, external: true };
        continue;
      }
      return { name, ips: await options.resolver.lookupIPv4(name) };
    } catch {
      // try the next name
    }
  }
  return null;
}

/** Answers for one question, or null for NXDOMAIN. */
async function answerQuestion(question: DnsQuestion, options: PodDnsOptions, suffixes: SearchSuffixes): Promise<DnsResource[] | null> {
  const log = options.log ?? (() => undefined);
  const plan = planQuery(question.name, suffixes);
  if (plan.kind === 'sanity-check') return null;
  if (plan.kind === 'probe') {
    if (plan.learned !== null) log(`dns: learned search suffix ${plan.learned} (now ${suffixes.list().join(', ')})`);
    // Telepresence 1 answered a probe with an A record whatever the question's type.
    return [record(question, { type: Packet.TYPE.A, address: PROBE_ANSWER })];
  }
  if (question.type === Packet.TYPE.PTR) {
    for (const name of plan.names) {
      const ip = ptrNameToIPv4(name);
      const host = ip === null ? null : await options.resolver.reverse(ip);
      if (host !== null) return [record(question, { type: Packet.TYPE.PTR, domain: host })];
    }
    return null;
  }
  const isAddress = question.type === Packet.TYPE.A || question.type === Packet.TYPE.AAAA || question.type === Packet.TYPE.ANY;
  if (!isAddress) {
    for (const name of plan.names) {
      // On a local cluster a name outside it goes to the external nameserver for every type: the
      // pod's nameserver would ask the workstation, and the question would come round again.
      const upstream = options.external !== undefined && !isClusterName(name, options.external.localNames) ? options.external.upstream : options.upstream;
      if (upstream === undefined) continue;
      const answers = await upstream(name, question.type).catch(() => []);
      // Under the asked name, as Telepresence 1 did, so that the workstation's resolver accepts it.
      if (answers.length > 0) return answers.map((a) => ({ ...a, name: question.name, ttl: Math.min(a.ttl, ANSWER_TTL_SECONDS) }));
    }
  }
  const found = await firstResolving(options, plan.names);
  if (found === null) {
    log(`dns: ${question.name}: not found (tried ${plan.names.join(', ')})`);
    return null;
  }
  log(`dns: ${question.name} -> ${found.ips.join(', ')}${found.name !== question.name ? ` (as ${found.name})` : ''}${found.external ? ' (external nameserver)' : ''}`);
  // Kubernetes is IPv4 here; an empty AAAA answer makes macOS give up, so Telepresence 1 answered
  // AAAA questions with the A records.
  if (isAddress) return found.ips.map((address) => record(question, { type: Packet.TYPE.A, address }));
  return []; // the name exists, with no record of that type (NODATA)
}

/** The response to one DNS request. */
export async function answerRequest(request: DnsPacket, options: PodDnsOptions, suffixes: SearchSuffixes): Promise<DnsPacket> {
  const response = Packet.createResponseFromRequest(request);
  response.header.ra = 1;
  // Exactly one question (RFC 9619): one datagram of 10,000 questions would be 10,000 cluster look-ups.
  if (request.questions.length !== 1) {
    response.header.rcode = RCODE.FORMERR;
    return response;
  }
  let missing = false;
  for (const question of request.questions) {
    const answers = await answerQuestion(question, options, suffixes);
    if (answers === null) missing = true;
    else response.answers.push(...answers);
  }
  response.header.rcode = missing && response.answers.length === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR;
  return response;
}

export interface PodDnsServer {
  udpPort: number;
  tcpPort: number;
  suffixes: SearchSuffixes;
  close(): Promise<void>;
}


/** Listens on UDP and TCP (port 0: each gets its own free port). */
export async function listenPodDns(options: PodDnsOptions & { host: string; port: number }): Promise<PodDnsServer> {
  const suffixes = options.suffixes ?? new SearchSuffixes();
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    maxConcurrent: DNS_MAX_CONCURRENT,
    handle: (request, send) => {
      // dns2's UDP send returns a promise, its TCP send does not: wrap both.
      const reply = (packet: DnsPacket): Promise<unknown> =>
        Promise.resolve()
          .then(() => send(packet))
          .catch((err: unknown) => options.log?.(`dns: cannot send the answer: ${String(err)}`));
      answerRequest(request, options, suffixes).then(reply, (err: unknown) => {
        options.log?.(`dns: failed to answer: ${String(err)}`);
        const failure = Packet.createResponseFromRequest(request);
        failure.header.rcode = RCODE.SERVFAIL;
        return reply(failure);
      });
    },
  });
  server.on('requestError', (err: unknown) => options.log?.(`dns: bad request: ${String(err)}`));
  guardDnsServer(server as unknown as Dns2ServerLike, (bytes) => Packet.parse(Buffer.from(bytes)), { log: options.log });
  const failed = new Promise<never>((_, reject) => server.once('error', (err: Error) => reject(err)));
  const addresses = await Promise.race([server.listen({ udp: { port: options.port, address: options.host }, tcp: { port: options.port, address: options.host } }), failed]);
  return {
    udpPort: addresses.udp?.port ?? 0,
    tcpPort: addresses.tcp?.port ?? 0,
    suffixes,
    close: async () => {
      await server.close();
    },
  };
}
