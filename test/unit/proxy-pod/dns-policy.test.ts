// The pod DNS policy as tables: suffix learning, longest-first stripping, fallback to the asked
// name, sanity checks, reverse names; and whole answers built from a host table.
import { expect } from 'chai';
import dns2 from 'dns2';
import { SearchSuffixes, isClusterName, planQuery, ptrNameToIPv4, type QueryPlan } from '../../../proxy-pod/src/dns/policy.js';
import { answerRequest } from '../../../proxy-pod/src/dns/server.js';
import { firstNameserver, type Upstream } from '../../../proxy-pod/src/dns/upstream.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

const { Packet } = dns2;

describe('proxy-pod DNS policy', () => {
  describe('a sequence of queries', () => {
    // Each row is one query against the same server, in order.
    const steps: { name: string; plan: QueryPlan; suffixes: string[] }[] = [
      { name: 'web', plan: { kind: 'resolve', names: ['web'] }, suffixes: [] },
      { name: 'hellotelepresence-0', plan: { kind: 'probe', learned: null }, suffixes: [] },
      { name: 'hellotelepresence-1.corp.example.com', plan: { kind: 'probe', learned: 'corp.example.com' }, suffixes: ['corp.example.com'] },
      { name: 'hellotelepresence-2.corp.example.com.', plan: { kind: 'probe', learned: null }, suffixes: ['corp.example.com'] },
      { name: 'HelloTelepresence-3.Example.Com', plan: { kind: 'probe', learned: 'example.com' }, suffixes: ['corp.example.com', 'example.com'] },
      { name: 'hellotelepresence-4.a.b.c.d', plan: { kind: 'probe', learned: 'a.b.c.d' }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com'] },
      { name: 'hellotelepresence-5.lan', plan: { kind: 'probe', learned: 'lan' }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan'] },
      { name: 'hellotelepresence-6.home', plan: { kind: 'probe', learned: 'home' }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'web.corp.example.com', plan: { kind: 'resolve', names: ['web', 'web.corp.example.com'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'web.ns.example.com', plan: { kind: 'resolve', names: ['web.ns', 'web.ns.example.com'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'Web.NS.Lan.', plan: { kind: 'resolve', names: ['web.ns', 'web.ns.lan'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'example.com', plan: { kind: 'resolve', names: ['example.com'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'web.ns.svc.cluster.local', plan: { kind: 'resolve', names: ['web.ns.svc.cluster.local'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'notexample.com', plan: { kind: 'resolve', names: ['notexample.com'] }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'hellotelepresence-7.a.sanity.check.telepresence.io', plan: { kind: 'sanity-check' }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
      { name: 'hellotelepresence-8.a.sanity.check.telepresence.io.lan', plan: { kind: 'sanity-check' }, suffixes: ['a.b.c.d', 'corp.example.com', 'example.com', 'lan', 'home'] },
    ];
    const suffixes = new SearchSuffixes();
    for (const step of steps) {
      it(`${step.name} -> ${JSON.stringify(step.plan)}`, () => {
        expect(planQuery(step.name, suffixes)).to.deep.equal(step.plan);
        expect(suffixes.list()).to.deep.equal(step.suffixes);
      });
    }
  });

  describe('learned suffixes are bounded: the least recently probed goes first', () => {
    it('20,000 distinct probes leave 16 suffixes, the newest, longest first', () => {
      const suffixes = new SearchSuffixes();
      for (let i = 0; i < 20_000; i++) planQuery(`hellotelepresence-${i}.s${i}.example`, suffixes);
      const expected = Array.from({ length: 16 }, (_, k) => `s${20_000 - 16 + k}.example`);
      expect(suffixes.list()).to.deep.equal(expected);
      expect(suffixes.strip('db.s19999.example')).to.equal('db');
      expect(suffixes.strip('db.s0.example')).to.equal(null);
    });

    it('a suffix probed again stays while newer ones push the others out', () => {
      const suffixes = new SearchSuffixes(2);
      expect([suffixes.learn('corp.example'), suffixes.learn('lan'), suffixes.learn('corp.example'), suffixes.learn('home')]).to.deep.equal([true, true, false, true]);
      expect(suffixes.list()).to.deep.equal(['corp.example', 'home']);
    });
  });

  describe('stripping picks the longest learned suffix', () => {
    const table: [string[], string, string | null][] = [
      [['example.com', 'corp.example.com'], 'db.corp.example.com', 'db'],
      [['corp.example.com', 'example.com'], 'db.corp.example.com', 'db'],
      [['com', 'example.com'], 'db.example.com', 'db'],
      [['example.com'], 'example.com', null],
      [['example.com'], 'db.example.org', null],
      [[], 'db.example.com', null],
    ];
    for (const [learned, name, stripped] of table) {
      it(`${learned.join(',') || '(none)'}: ${name} -> ${stripped}`, () => {
        const s = new SearchSuffixes();
        for (const l of learned) s.learn(l);
        expect(s.strip(name)).to.equal(stripped);
      });
    }
  });

  describe('reverse names', () => {
    const table: [string, string | null][] = [
      ['4.3.2.1.in-addr.arpa', '1.2.3.4'],
      ['10.0.96.10.IN-ADDR.ARPA.', '10.96.0.10'],
      ['300.0.0.10.in-addr.arpa', null],
      ['3.2.1.in-addr.arpa', null],
      ['web.ns', null],
    ];
    for (const [name, ip] of table) it(`${name} -> ${ip}`, () => expect(ptrNameToIPv4(name)).to.equal(ip));
  });

  describe('answers (host table resolver)', () => {
    const resolver = hostTableResolver({
      web: ['10.96.0.5'],
      'web.ns': ['10.96.0.5'],
      'two.ns': ['10.132.0.2', '10.132.0.3'],
      'corp.example.com': ['192.0.2.1'],
    });
    const suffixes = new SearchSuffixes();
    suffixes.learn('corp.example.com');
    const T = Packet.TYPE;
    // The pod's nameserver knows one SRV record, under its full name only.
    const upstream: Upstream = async (name, type) =>
      name === '_http._tcp.web.ns' && type === T.SRV
        ? [{ name, type: T.SRV, class: Packet.CLASS.IN, ttl: 300, priority: 0, weight: 100, port: 80, target: 'web.ns.svc.cluster.local' } as never]
        : [];
    const table: { q: string; type: number; rcode: number; answers: string[] }[] = [
      { q: 'hellotelepresence-1.corp.example.com', type: T.A, rcode: 0, answers: ['A 127.0.0.1'] },
      { q: 'hellotelepresence-2.corp.example.com', type: T.AAAA, rcode: 0, answers: ['A 127.0.0.1'] },
      { q: 'web', type: T.A, rcode: 0, answers: ['A 10.96.0.5'] },
      { q: 'web.corp.example.com', type: T.A, rcode: 0, answers: ['A 10.96.0.5'] },
      { q: 'web.ns.corp.example.com', type: T.A, rcode: 0, answers: ['A 10.96.0.5'] },
      { q: 'two.ns', type: T.A, rcode: 0, answers: ['A 10.132.0.2', 'A 10.132.0.3'] },
      { q: 'two.ns', type: T.AAAA, rcode: 0, answers: ['A 10.132.0.2', 'A 10.132.0.3'] },
      { q: 'web', type: T.MX, rcode: 0, answers: [] },
      { q: 'nowhere', type: T.A, rcode: 3, answers: [] },
      { q: 'nowhere.corp.example.com', type: T.A, rcode: 3, answers: [] },
      { q: 'hellotelepresence-3.a.sanity.check.telepresence.io', type: T.A, rcode: 3, answers: [] },
      { q: '5.0.96.10.in-addr.arpa', type: T.PTR, rcode: 0, answers: ['PTR web'] },
      { q: '9.9.9.10.in-addr.arpa', type: T.PTR, rcode: 3, answers: [] },
      { q: '_http._tcp.web.ns', type: T.SRV, rcode: 0, answers: ['SRV 0 100 80 web.ns.svc.cluster.local'] },
      { q: '_http._tcp.web.ns.corp.example.com', type: T.SRV, rcode: 0, answers: ['SRV 0 100 80 web.ns.svc.cluster.local'] },
      { q: '_ftp._tcp.web.ns', type: T.SRV, rcode: 3, answers: [] },
      { q: 'web.ns', type: T.TXT, rcode: 0, answers: [] },
    ];
    for (const row of table) {
      it(`${row.q} type ${row.type} -> rcode ${row.rcode} ${row.answers.join(', ')}`, async () => {
        const request = new Packet();
        request.header.id = 4242;
        request.questions.push({ name: row.q, type: row.type, class: Packet.CLASS.IN } as never);
        const response = Packet.parse((await answerRequest(request, { resolver, upstream }, suffixes)).toBuffer());
        expect(response.header.id).to.equal(4242);
        expect(response.header.rcode).to.equal(row.rcode);
        const got = response.answers.map((a) =>
          a.type === T.A ? `A ${a.address}` : a.type === T.SRV ? `SRV ${a.priority} ${a.weight} ${a.port} ${a.target}` : `PTR ${a.domain}`,
        );
        expect(got).to.deep.equal(row.answers);
        for (const a of response.answers) {
          expect(a.name).to.equal(row.q);
          expect(a.ttl).to.equal(5);
        }
      });
    }
  });

  describe('the pod nameserver from resolv.conf', () => {
    const table: [string, string | null][] = [
      ['nameserver 10.96.0.10\nsearch ns.svc.cluster.local\n', '10.96.0.10'],
      ['# comment\nsearch a\n  nameserver   10.0.0.2\nnameserver 10.0.0.3\n', '10.0.0.2'],
      ['search a\noptions ndots:5\n', null],
    ];
    for (const [text, server] of table) it(`${JSON.stringify(text)} -> ${server}`, () => expect(firstNameserver(text)).to.equal(server));
  });

  describe('cluster names on a local cluster (Telepresence 1 rule)', () => {
    const table: [string, string[], boolean][] = [
      ['web', [], true],
      ['web.ns', [], true],
      ['web.ns.svc', [], true],
      ['web.ns.svc.cluster.local', [], true],
      ['printer.local', [], true],
      ['kafka-0.kafka.ns.svc', [], true],
      ['www.example.org', [], false],
      ['db.corp.internal', [], false],
      ['db.corp.internal', ['corp.internal'], true],
      ['corp.internal', ['corp.internal'], true],
      ['notcorp.internal.x', ['corp.internal'], false],
    ];
    for (const [name, local, cluster] of table) {
      it(`${name}${local.length ? ` (local names ${local.join(',')})` : ''} -> ${cluster ? 'cluster' : 'external'}`, () =>
        expect(isClusterName(name, local)).to.equal(cluster));
    }
  });

  describe('answers on a local cluster: non-cluster names go to the external nameserver', () => {
    // The pod resolver knows every name; only the external one should be asked for www.example.org.
    const resolver = hostTableResolver({ web: ['10.96.0.5'], 'www.example.org': ['10.0.0.99'], 'db.corp.internal': ['10.0.0.98'] });
    const asked: string[] = [];
    const external: Upstream = async (name, type) => {
      asked.push(`${name} ${type}`);
      return name === 'www.example.org' ? [{ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 300, address: '203.0.113.7' } as never] : [];
    };
    const table: [string, number, string[]][] = [
      ['web', 0, ['10.96.0.5']],
      ['www.example.org', 0, ['203.0.113.7']],
      ['db.corp.internal', 0, ['10.0.0.98']],
      ['nowhere.example.org', 3, []],
    ];
    for (const [name, rcode, ips] of table) {
      it(`${name} -> ${rcode} ${ips.join(',')}`, async () => {
        const request = new Packet();
        request.questions.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN } as never);
        const response = await answerRequest(request, { resolver, external: { upstream: external, localNames: ['corp.internal'] } }, new SearchSuffixes());
        expect(response.header.rcode).to.equal(rcode);
        expect(response.answers.map((a) => a.address)).to.deep.equal(ips);
      });
    }
    it('asked the external nameserver only for non-cluster names', () => {
      expect(asked).to.deep.equal(['www.example.org 1', 'nowhere.example.org 1']);
    });
  });

  it('answers a message of 10,000 questions FORMERR without a single look-up', async () => {
    let lookups = 0;
    const counting = { lookupIPv4: async () => { lookups++; return ['10.0.0.1']; } } as never;
    const request = new Packet();
    for (let i = 0; i < 10_000; i++) request.questions.push({ name: `web${i}`, type: Packet.TYPE.A, class: Packet.CLASS.IN } as never);
    const response = await answerRequest(Packet.parse(request.toBuffer()), { resolver: counting }, new SearchSuffixes());
    expect(response.header.rcode).to.equal(1);
    expect(lookups).to.equal(0);
  });
});
