// WorkstationDns: which resolver each question goes to (the engine's policy, plus our probes and
// marker), what the stub gets back, timeouts, and raw packets as the VIF hands them over.
import { expect } from 'chai';
import { DEFAULT_EXCLUDE_SUFFIXES, type DnsPolicy } from '../../../src/engine/index.js';
import { Packet, RCODE, TYPE, WorkstationDns, type DnsPacket } from '../../../src/dns/index.js';
import { a, ok, ScriptedLookup } from './helpers.js';

const policy: DnsPolicy = {
  clusterDomain: 'cluster.local',
  includeSuffixes: ['.corp.io'],
  excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES,
  excludes: ['db'],
  mappedNamespaces: ['ns'],
  searchPath: ['ns.svc.cluster.local'],
};

function setup(opts: { lookupTimeoutMs?: number; withOriginal?: boolean } = {}) {
  const cluster = new ScriptedLookup({ web: ok(a('web', '10.130.0.10')), 'web.ns': ok(a('web.ns', '10.130.0.10')) });
  const original = new ScriptedLookup({ 'example.com': ok(a('example.com', '192.0.2.1', 300)) });
  const log: string[] = [];
  const dns = new WorkstationDns({
    policy,
    clusterLookup: cluster.lookup,
    originalLookup: opts.withOriginal === false ? undefined : original.lookup,
    lookupTimeoutMs: opts.lookupTimeoutMs,
    isClusterIp: (ip) => ip.startsWith('10.130.'),
    log: (l) => log.push(l),
  });
  return { dns, cluster, original, log };
}

describe('dns/workstation-dns', () => {
  const routes: [string, 'cluster' | 'workstation' | 'localhost'][] = [
    ['web', 'cluster'], // single label
    ['web.ns', 'cluster'], // mapped namespace
    ['web.ns.svc.cluster.local', 'cluster'],
    ['web.other.svc', 'cluster'],
    ['api.corp.io', 'cluster'], // include-suffix beats the .io exclude
    ['example.com', 'workstation'], // exclude-suffix
    ['printer.lan', 'workstation'], // nothing matches
    ['wpad.ns', 'workstation'],
    ['db', 'workstation'], // explicit exclude
    ['db.ns.svc.cluster.local', 'workstation'], // ... also through the search path
    ['hellotelepresence-3.corp.example.com', 'cluster'], // our probe, whatever suffix the stub added
    ['tel2-recursion-check.kube-system', 'cluster'], // our marker
    ['localhost', 'localhost'],
    ['10.0.130.10.in-addr.arpa', 'cluster'], // PTR of a cluster IP
    ['1.2.0.192.in-addr.arpa', 'workstation'], // PTR of anything else
    ['app.localhost', 'localhost'],
  ];
  for (const [name, where] of routes) {
    it(`${name} -> ${where}`, async () => {
      const { dns, cluster, original } = setup();
      expect(dns.destination(name)).to.equal(where);
      await dns.resolve(name, TYPE.A);
      expect(cluster.calls).to.deep.equal(where === 'cluster' ? [`${name}|1`] : []);
      expect(original.calls).to.deep.equal(where === 'workstation' ? [`${name}|1`] : []);
    });
  }

  it('answers: cluster with TTL 4 and the asked spelling; the original resolver as it answered; localhost locally', async () => {
    const { dns, log } = setup();
    expect(await dns.resolve('WEB.ns.', TYPE.A)).to.deep.equal({ rcode: 0, answers: [a('WEB.ns.', '10.130.0.10', 4)], authorities: [] });
    expect(await dns.resolve('example.com', TYPE.A)).to.deep.equal(ok(a('example.com', '192.0.2.1', 300)));
    expect((await dns.resolve('localhost', TYPE.AAAA)).answers.map((r) => r.address)).to.deep.equal(['::1']);
    expect(log).to.deep.equal([
      'dns: A WEB.ns. -> NOERROR 10.130.0.10 (cluster, lookup)',
      'dns: A example.com -> NOERROR 192.0.2.1 (workstation, lookup)',
    ]);
  });

  it('the second question for a cluster name comes from the cache; flush and setPolicy forget it', async () => {
    const { dns, cluster } = setup();
    await dns.resolve('web', TYPE.A);
    await dns.resolve('Web', TYPE.A);
    expect(cluster.calls).to.deep.equal(['web|1']);
    dns.flush();
    await dns.resolve('web', TYPE.A);
    dns.setPolicy({ ...policy, mappedNamespaces: [] });
    await dns.resolve('web', TYPE.A);
    expect(cluster.calls).to.deep.equal(['web|1', 'web|1', 'web|1']);
    expect(dns.counts).to.deep.include({ lookup: 3, cache: 1 });
  });

  it('setMappedNamespaces: a namespace added goes to the cluster, one removed to the workstation; the cache is dropped only on a change', async () => {
    const { dns, cluster, original } = setup();
    expect(dns.destination('echo.other')).to.equal('workstation');
    expect(dns.destination('kubernetes.default')).to.equal('workstation');
    await dns.resolve('web', TYPE.A);
    expect(dns.setMappedNamespaces(['ns', 'Other', 'default', 'default'])).to.equal(true);
    expect(dns.mappedNamespaces).to.deep.equal(['default', 'ns', 'other']);
    expect(dns.destination('echo.other')).to.equal('cluster');
    expect(dns.destination('kubernetes.default')).to.equal('cluster');
    expect(dns.destination('echo.other.svc.cluster.local')).to.equal('cluster');
    await dns.resolve('echo.other', TYPE.A);
    await dns.resolve('web', TYPE.A); // asked again: the change dropped the cached answer
    // The same namespaces in another order are no change: the cache stays.
    expect(dns.setMappedNamespaces(['other', 'default', 'ns'])).to.equal(false);
    await dns.resolve('web', TYPE.A);
    expect(dns.setMappedNamespaces(['ns', 'default'])).to.equal(true);
    expect(dns.destination('echo.other')).to.equal('workstation');
    await dns.resolve('echo.other', TYPE.A);
    expect(cluster.calls).to.deep.equal(['web|1', 'echo.other|1', 'web|1']);
    expect(original.calls).to.deep.equal(['echo.other|1']);
    expect(dns.counts).to.deep.include({ cache: 1 });
  });

  it('a cluster look-up slower than lookupTimeoutMs is SERVFAIL, and not cached', async () => {
    const { dns, cluster, log } = setup({ lookupTimeoutMs: 30 });
    cluster.hold = true;
    expect(await dns.resolve('web', TYPE.A)).to.deep.equal({ rcode: RCODE.SERVFAIL, answers: [] });
    expect(log).to.deep.equal(['dns: A web -> SERVFAIL (cluster: the cluster look-up of web took longer than 30 ms)']);
    cluster.hold = false;
    cluster.release();
    expect((await dns.resolve('web', TYPE.A)).answers.map((r) => r.address)).to.deep.equal(['10.130.0.10']);
  });

  it('without an original resolver, names outside the cluster are REFUSED', async () => {
    const { dns } = setup({ withOriginal: false });
    expect(await dns.resolve('example.com', TYPE.A)).to.deep.equal({ rcode: RCODE.REFUSED, answers: [] });
  });

  function query(name: string, type: number, id = 0x1234): DnsPacket {
    const q = new Packet();
    q.header.id = id;
    q.header.rd = 1;
    q.questions.push({ name, type, class: 1 } as DnsPacket['questions'][number]);
    return q;
  }

  it('answerDnsPacket: a raw query in, a raw reply with the same id out', async () => {
    const { dns } = setup();
    const reply = Packet.parse(answered(await dns.answerDnsPacket(query('web.ns', TYPE.A, 0xbeef).toBuffer())));
    expect(reply.header).to.deep.include({ id: 0xbeef, qr: 1, rd: 1, ra: 1, rcode: RCODE.NOERROR });
    expect(reply.answers.map((r) => [r.name, r.ttl, r.address])).to.deep.equal([['web.ns', 4, '10.130.0.10']]);
    const missing = Packet.parse(answered(await dns.answerDnsPacket(query('nothing.ns', TYPE.A).toBuffer())));
    expect(missing.header.rcode).to.equal(RCODE.NXDOMAIN);
  });

  it('answerDnsPacket: a reply over 512 bytes (no EDNS) is cut to the question with TC set', async () => {
    const many = Array.from({ length: 60 }, (_, i) => a('big.ns', `10.130.1.${i}`));
    const dns = new WorkstationDns({ policy, clusterLookup: new ScriptedLookup({ 'big.ns': ok(...many) }).lookup });
    const raw = answered(await dns.answerDnsPacket(query('big.ns', TYPE.A).toBuffer()));
    const reply = Packet.parse(raw);
    expect(raw.length).to.be.at.most(512);
    expect(reply.header.tc).to.equal(1);
    expect(reply.answers).to.have.length(0);
    expect(reply.questions.map((q) => q.name)).to.deep.equal(['big.ns']);
  });

  it('answerDnsPacket: a header that lies about its counts gets FORMERR with its id at once, without a look-up', async () => {
    const { dns, cluster } = setup();
    const started = performance.now();
    const reply = answered(await dns.answerDnsPacket(Buffer.from('abcd0100ffffffffffffffff', 'hex')));
    expect(performance.now() - started).to.be.below(50);
    expect([...reply]).to.deep.equal([0xab, 0xcd, 0x81, 0x80 | RCODE.FORMERR, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(cluster.calls).to.deep.equal([]);
  });

  it('answerDnsPacket: fewer bytes than a header, or a response, get no reply', async () => {
    const { dns } = setup();
    expect(await dns.answerDnsPacket(Buffer.from([0xab, 0xcd, 0x01]))).to.equal(null);
    const response = query('web.ns', TYPE.A).toBuffer();
    response[2] |= 0x80;
    expect(await dns.answerDnsPacket(response)).to.equal(null);
  });

  it('answers a message of 10,000 questions FORMERR without a single look-up', async () => {
    const { dns, cluster, original } = setup();
    const request = new Packet();
    for (let i = 0; i < 10_000; i++) request.questions.push({ name: `web${i}`, type: TYPE.A, class: 1 } as never);
    const response = await dns.answer(Packet.parse(request.toBuffer()));
    expect(response.header.rcode).to.equal(RCODE.FORMERR);
    expect(response.answers).to.deep.equal([]);
    expect([...cluster.calls, ...original.calls]).to.deep.equal([]);
  });
});

function answered(reply: Buffer | null): Buffer {
  if (reply === null) throw new Error('expected a reply, got none');
  return reply;
}
