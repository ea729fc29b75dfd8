// The workstation DNS server on loopback, asked by the real `dig` over UDP and TCP: cluster names
// go to a fake cluster, others are forwarded to a fake "original" nameserver on another loopback
// port; VNAT, TTLs, the cache, shared look-ups, truncation, the recursion check and readiness.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_EXCLUDE_SUFFIXES, VirtualIpAllocator, covers, type DnsPolicy } from '../../../src/engine/index.js';
import { ClusterError } from '../../../src/errors.js';
import {
  checkRecursion, listenWorkstationDns, resolverLookup, nameserverLookup, RCODE, TUNNEL_DID_NOT_CONNECT, TYPE, waitForDnsReady,
  WorkstationDns, type DnsListener, type DnsRecord, type Lookup, type LookupResult,
} from '../../../src/dns/index.js';
import { dig, fakeNameserver, type FakeNameserver } from './helpers.js';

const policy: DnsPolicy = {
  clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [],
  mappedNamespaces: ['ns'], searchPath: ['ns.svc.cluster.local'],
};

const A = (name: string, address: string): DnsRecord => ({ name, type: TYPE.A, class: 1, ttl: 30, address }) as DnsRecord;

/** The fake cluster: a table, a delay, and a record of every question it got. */
function fakeCluster(delayMs = 0) {
  const asked: string[] = [];
  const table: Record<string, string[]> = {
    web: ['10.130.0.10'], 'web.ns': ['10.130.0.10'], 'plain.ns': ['10.132.0.7'],
    big: Array.from({ length: 60 }, (_, i) => `10.132.1.${i}`),
  };
  const lookup: Lookup = async (name, type) => {
    asked.push(`${name} ${type}`);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (name.startsWith('hellotelepresence')) return { rcode: 0, answers: [A(name, '127.0.0.1')] };
    const ips = table[name];
    if (ips === undefined) return { rcode: RCODE.NXDOMAIN, answers: [] };
    return { rcode: 0, answers: type === TYPE.A ? ips.map((ip) => A(name, ip)) : [] };
  };
  return { asked, lookup };
}

describe('workstation DNS server (loopback, dig)', function () {
  this.timeout(30_000);
  let original: FakeNameserver;
  let listener: DnsListener;
  let cluster: ReturnType<typeof fakeCluster>;
  let resolver: WorkstationDns;
  const log: string[] = [];

  before(async () => {
    original = await fakeNameserver({ 'example.com': ['192.0.2.1'], 'printer.lan': ['192.168.1.9'] });
    cluster = fakeCluster(200);
    const allocator = new VirtualIpAllocator('246.246.0.0/16');
    resolver = new WorkstationDns({
      policy,
      clusterLookup: cluster.lookup,
      originalLookup: nameserverLookup([{ host: '127.0.0.1', port: original.port }], 1000),
      translate: (ip) => (covers('10.130.0.0/16', `${ip}/32`) ? allocator.translate(ip) : undefined),
      log: (l) => log.push(l),
    });
    listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await listener?.close();
    await original?.close();
  });

  for (const tcp of [false, true]) {
    const via = tcp ? 'TCP' : 'UDP';
    const port = () => listener.port;
    const extra = tcp ? ['+tcp'] : [];
    it(`${via}: a cluster name in a VNAT'd subnet answers the virtual IP with TTL 4`, async () => {
      resolver.flush();
      expect(await dig('127.0.0.1', port(), 'web.ns', 'A', extra)).to.deep.include({ status: 'NOERROR', answers: ['web.ns. 4 IN A 246.246.0.1'] });
    });
    it(`${via}: a cluster name outside the VNAT'd subnets keeps its IP`, async () => {
      expect(await dig('127.0.0.1', port(), 'plain.ns', 'A', extra)).to.deep.include({ status: 'NOERROR', answers: ['plain.ns. 4 IN A 10.132.0.7'] });
    });
    it(`${via}: a name outside the cluster is forwarded to the original nameserver, TTL kept`, async () => {
      const before = original.asked.length;
      expect(await dig('127.0.0.1', port(), 'example.com', 'A', extra)).to.deep.include({ status: 'NOERROR', answers: ['example.com. 300 IN A 192.0.2.1'] });
      expect(original.asked.slice(before)).to.deep.equal(['example.com 1']);
    });
    it(`${via}: unknown names are NXDOMAIN from either side`, async () => {
      expect((await dig('127.0.0.1', port(), 'nothing.ns', 'A', extra)).status).to.equal('NXDOMAIN');
      expect((await dig('127.0.0.1', port(), 'nothing.example.org', 'A', extra)).status).to.equal('NXDOMAIN');
    });
  }

  it('the cluster is asked once for ten identical questions at the same time, then answers come from the cache', async () => {
    resolver.flush();
    const before = cluster.asked.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => dig('127.0.0.1', listener.port, 'web', 'A')));
    expect(new Set(answers.map((a) => a.answers.join()))).to.deep.equal(new Set(['web. 4 IN A 246.246.0.1']));
    await dig('127.0.0.1', listener.port, 'web', 'A');
    expect(cluster.asked.slice(before)).to.deep.equal(['web 1']);
  });

  it('an answer too big for UDP (no EDNS: 512 bytes) sets TC, and dig gets all of it over TCP', async () => {
    const udp = await dig('127.0.0.1', listener.port, 'big', 'A', ['+noedns', '+ignore']);
    expect(udp.flags.split(' ')).to.include('tc');
    const full = await dig('127.0.0.1', listener.port, 'big', 'A', ['+noedns']); // dig retries over TCP by itself
    expect(full.answers).to.have.length(60);
    expect(full.answers[0]).to.equal('big. 4 IN A 10.132.1.0');
  });

  it('readiness: three fresh probe names resolve through the server', async () => {
    const asDig: (name: string) => Promise<string[]> = async (name) =>
      (await dig('127.0.0.1', listener.port, name, 'A')).answers.map((l) => l.split(' ').pop()!);
    const ready = await waitForDnsReady({ lookup: asDig, deadlineMs: 10_000 });
    expect(ready.names).to.have.length(3);
    expect(ready.names.every((n) => /^hellotelepresence-[0-9a-z]+-\d$/.test(n))).to.equal(true);
  });

  it('readiness: a tunnel that never answers ends in "vpn-tcp tunnel did not connect", the resolver files in the log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tp-dns-'));
    const file = path.join(dir, 'resolv.conf');
    await writeFile(file, 'nameserver 127.0.0.1\nsearch corp.example.com\n');
    const lines: string[] = [];
    const started = Date.now();
    const err = await waitForDnsReady({
      lookup: () => Promise.reject(new Error('SERVFAIL')),
      deadlineMs: 1200, retryDelayMs: 100, resolverFiles: [file, path.join(dir, 'missing.conf')], log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as Error).message).to.equal(TUNNEL_DID_NOT_CONNECT);
    expect(Date.now() - started).to.be.within(1100, 2500);
    expect(lines).to.include(`vpn-tcp: ${file}:\n    nameserver 127.0.0.1\n    search corp.example.com`);
    expect(lines).to.include(`vpn-tcp: ${path.join(dir, 'missing.conf')}:\n    (cannot read: ENOENT)`);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('recursion check (a cluster whose DNS resolves through this workstation)', function () {
  this.timeout(20_000);

  /** A cluster DNS that forwards every question to the workstation's server, like a local cluster's CoreDNS. */
  async function loopingSetup() {
    let port = 0;
    const clusterAsked: string[] = [];
    const loop: Lookup = async (name, type): Promise<LookupResult> => {
      clusterAsked.push(name);
      const reply = await dig('127.0.0.1', port, name, type === TYPE.A ? 'A' : 'AAAA');
      return { rcode: reply.status === 'NOERROR' ? 0 : RCODE.NXDOMAIN, answers: [] };
    };
    const resolver = new WorkstationDns({ policy, clusterLookup: loop, lookupTimeoutMs: 6000 });
    const listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
    port = listener.port;
    const viaServer = async (name: string) => (await dig('127.0.0.1', port, name, 'A')).answers;
    return { resolver, listener, clusterAsked, viaServer };
  }

  it('detects the loop, and then answers a looping question NXDOMAIN at once instead of timing out', async () => {
    const { resolver, listener, clusterAsked, viaServer } = await loopingSetup();
    try {
      expect(await checkRecursion(resolver, viaServer)).to.equal('detected');
      expect(clusterAsked).to.deep.equal(['tel2-recursion-check.kube-system']);
      const started = Date.now();
      const reply = await dig('127.0.0.1', listener.port, 'db.ns', 'A');
      expect(reply.status).to.equal('NXDOMAIN');
      expect(Date.now() - started).to.be.below(1500);
      expect(resolver.counts.recursion).to.equal(2);
    } finally {
      await listener.close();
    }
  });

  it('a cluster that answers by itself is not-detected', async () => {
    const cluster = fakeCluster();
    const resolver = new WorkstationDns({ policy, clusterLookup: cluster.lookup });
    const listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
    try {
      const viaServer = async (name: string) => (await dig('127.0.0.1', listener.port, name, 'A')).answers;
      expect(await checkRecursion(resolver, viaServer)).to.equal('not-detected');
    } finally {
      await listener.close();
    }
  });

  it('through our own resolver (the container method: no getaddrinfo of ours in its namespace): detected, then not-detected on a cluster that answers itself', async () => {
    const { resolver, listener, clusterAsked } = await loopingSetup();
    try {
      expect(await checkRecursion(resolver, resolverLookup(resolver))).to.equal('detected');
      expect(clusterAsked).to.deep.equal(['tel2-recursion-check.kube-system']);
    } finally {
      await listener.close();
    }
    const plain = new WorkstationDns({ policy, clusterLookup: fakeCluster().lookup });
    expect(await checkRecursion(plain, resolverLookup(plain))).to.equal('not-detected');
  });

  it('a burst of repeats (a cluster DNS that asks us five times at once) is NXDOMAIN to each and one log line', async () => {
    let port = 0;
    const lines: string[] = [];
    let calls = 0;
    const storm: Lookup = async (name, type) => {
      calls += 1;
      const replies = await Promise.all(Array.from({ length: 5 }, () => dig('127.0.0.1', port, name, type === TYPE.A ? 'A' : 'AAAA')));
      return { rcode: replies.every((r) => r.status === 'NXDOMAIN') ? RCODE.NXDOMAIN : RCODE.SERVFAIL, answers: [] };
    };
    const resolver = new WorkstationDns({ policy, clusterLookup: storm, lookupTimeoutMs: 6000, log: (l) => lines.push(l) });
    const listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
    port = listener.port;
    try {
      expect(await checkRecursion(resolver, resolverLookup(resolver))).to.equal('detected');
      const started = Date.now();
      expect((await dig('127.0.0.1', port, 'db.ns', 'A')).status).to.equal('NXDOMAIN');
      expect(Date.now() - started).to.be.below(1500);
      expect(calls).to.equal(2); // the marker once, db.ns once: no trip round the loop twice
      expect(resolver.counts.recursion).to.equal(10);
      expect(lines.filter((l) => l.startsWith('dns: recursion:'))).to.deep.equal([
        'dns: recursion: A tel2-recursion-check.kube-system came back while its look-up is in flight: NXDOMAIN at once, to every repeat until it ends',
        'dns: recursion: A db.ns came back while its look-up is in flight: NXDOMAIN at once, to every repeat until it ends',
      ]);
      expect(lines.filter((l) => l.includes('(cluster, recursion)'))).to.deep.equal([]);
    } finally {
      await listener.close();
    }
  });

  it('"unknown" when the marker never reaches the server (the resolver is not in effect)', async () => {
    const resolver = new WorkstationDns({ policy, clusterLookup: fakeCluster().lookup });
    expect(await checkRecursion(resolver, async () => [])).to.equal('unknown');
  });
});

