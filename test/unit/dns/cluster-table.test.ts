// The teleproxy DNS table against the Kubernetes DNS specification: each (name, type) with its exact
// rcode and answers, then how upserts, deletes and relists change them, and that the records encode.
import { expect } from 'chai';
import { ClusterDnsTable, ipOfReverseName, Packet, RCODE, TYPE, typeName, type DnsRecord, type LookupResult } from '../../../src/dns/index.js';
import type { DnsEndpoints, DnsService } from '../../../src/protocol/index.js';
import { a, aaaa, cname } from './helpers.js';

const TTL = 4;
const A = (name: string, ip: string): DnsRecord => a(name, ip, TTL);
const AAAA = (name: string, ip: string): DnsRecord => aaaa(name, ip, TTL);
const CNAME = (name: string, domain: string): DnsRecord => cname(name, domain, TTL);
const SRV = (name: string, port: number, target: string): DnsRecord =>
  ({ name, type: TYPE.SRV, class: 1, ttl: TTL, priority: 0, weight: 100, port, target }) as DnsRecord;
const PTR = (name: string, domain: string): DnsRecord => ({ name, type: TYPE.PTR, class: 1, ttl: TTL, domain }) as DnsRecord;
const TXT = (name: string, data: string[]): DnsRecord => ({ name, type: TYPE.TXT, class: 1, ttl: TTL, data }) as DnsRecord;
const ok = (...answers: DnsRecord[]): LookupResult => ({ rcode: RCODE.NOERROR, answers });
const NODATA: LookupResult = { rcode: RCODE.NOERROR, answers: [] };
const NXDOMAIN: LookupResult = { rcode: RCODE.NXDOMAIN, answers: [] };

function service(namespace: string, name: string, rest: Partial<DnsService>): DnsService {
  return { namespace, name, type: 'ClusterIP', clusterIPs: [], headless: false, ports: [], ...rest };
}

function slice(namespace: string, svc: string, key: string, addresses: DnsEndpoints['addresses'], port = 5432): DnsEndpoints {
  return { namespace, service: svc, key, addresses, ports: [{ name: 'pg', port, protocol: 'TCP' }] };
}

/** The cluster of the cases: session namespace `sess`, another namespace `other`. */
function fixture(): ClusterDnsTable {
  const t = new ClusterDnsTable({ clusterDomain: 'cluster.local', sessionNamespace: 'sess' });
  t.upsertService(service('sess', 'web', {
    clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }],
  }));
  t.upsertEndpoints({ namespace: 'sess', service: 'web', key: 'web-x1', addresses: [{ ip: '10.1.0.20', ready: true, podName: 'web-abc' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  t.upsertService(service('sess', 'pending', {}));
  t.upsertService(service('other', 'api', {
    type: 'LoadBalancer', clusterIPs: ['10.96.0.20', 'fd00:96:0:0::20'],
    ports: [{ name: 'grpc', port: 50051, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }],
  }));
  t.upsertService(service('other', 'db', { headless: true, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  t.upsertEndpoints(slice('other', 'db', 'db-v4a', [
    { ip: '10.1.0.5', ready: true, hostname: 'db-0' }, { ip: '10.1.0.6', ready: true, hostname: 'DB-1' },
    { ip: '10.1.0.7', ready: false, hostname: 'db-2' },
  ]));
  t.upsertEndpoints(slice('other', 'db', 'db-v4b', [{ ip: '10.1.0.8', ready: true }, { ip: '10.1.0.5', ready: true, hostname: 'db-0' }]));
  t.upsertEndpoints(slice('other', 'db', 'db-v6', [{ ip: 'FD00:1:0::5', ready: true, hostname: 'db-0' }]));
  t.upsertService(service('other', 'empty', { headless: true }));
  t.upsertService(service('other', 'ext', { type: 'ExternalName', externalName: 'www.example.com.', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }));
  t.upsertService(service('other', 'alias', { type: 'ExternalName', externalName: 'web.sess.svc.cluster.local' }));
  t.upsertPod({ namespace: 'other', name: 'db-0', ips: ['10.1.0.5', 'fd00:1::5'], hostname: 'db-0', subdomain: 'db' });
  t.upsertPod({ namespace: 'sess', name: 'web-abc', ips: ['10.1.0.20'] });
  return t;
}

const WEB = 'web.sess.svc.cluster.local';
const cases: [name: string, type: number, expected: LookupResult][] = [
  // ClusterIP Services, every spelling the workstation may hand over
  [WEB, TYPE.A, ok(A(WEB, '10.96.0.10'))],
  ['web.sess.svc', TYPE.A, ok(A('web.sess.svc', '10.96.0.10'))],
  ['web.sess', TYPE.A, ok(A('web.sess', '10.96.0.10'))],
  ['web', TYPE.A, ok(A('web', '10.96.0.10'))],
  ['WEB.Sess.SVC.Cluster.Local.', TYPE.A, ok(A('WEB.Sess.SVC.Cluster.Local.', '10.96.0.10'))],
  ['web.', TYPE.A, ok(A('web.', '10.96.0.10'))],
  [WEB, TYPE.AAAA, NODATA],
  [WEB, TYPE.TXT, NODATA],
  [WEB, TYPE.SRV, NODATA],
  ['pending', TYPE.A, NODATA],
  ['api.other', TYPE.A, ok(A('api.other', '10.96.0.20'))],
  ['api.other.svc.cluster.local', TYPE.AAAA, ok(AAAA('api.other.svc.cluster.local', 'fd00:96::20'))],
  ['api', TYPE.A, NXDOMAIN], // a bare name is the session's namespace
  ['nope.other.svc.cluster.local', TYPE.A, NXDOMAIN],
  ['nope.other.svc.cluster.local', TYPE.AAAA, NXDOMAIN],
  ['web.nowhere', TYPE.A, NXDOMAIN],
  ['web.sess.svc.cluster.example', TYPE.A, NXDOMAIN],
  ['printer', TYPE.A, NXDOMAIN],
  // headless: the ready endpoints of all slices, once each
  ['db.other.svc.cluster.local', TYPE.A, ok(...['10.1.0.5', '10.1.0.6', '10.1.0.8'].map((ip) => A('db.other.svc.cluster.local', ip)))],
  ['db.other', TYPE.AAAA, ok(AAAA('db.other', 'fd00:1::5'))],
  ['empty.other.svc.cluster.local', TYPE.A, NXDOMAIN], // no ready endpoint: no name (the specification)
  ['db-0.db.other.svc.cluster.local', TYPE.A, ok(A('db-0.db.other.svc.cluster.local', '10.1.0.5'))],
  ['db-0.db.other.svc.cluster.local', TYPE.AAAA, ok(AAAA('db-0.db.other.svc.cluster.local', 'fd00:1::5'))],
  ['db-1.db.other', TYPE.A, ok(A('db-1.db.other', '10.1.0.6'))],
  ['db-0.db', TYPE.A, NXDOMAIN], // db is not a Service of the session's namespace
  ['db-2.db.other.svc.cluster.local', TYPE.A, NXDOMAIN], // not ready
  ['10-1-0-8.db.other.svc.cluster.local', TYPE.A, ok(A('10-1-0-8.db.other.svc.cluster.local', '10.1.0.8'))],
  ['db-9.db.other.svc.cluster.local', TYPE.A, NXDOMAIN],
  ['db-0.web.sess.svc.cluster.local', TYPE.A, NXDOMAIN], // a ClusterIP Service has no endpoint names
  // ExternalName: a CNAME whatever the type; one inside the zone is followed once
  ['ext.other.svc.cluster.local', TYPE.A, ok(CNAME('ext.other.svc.cluster.local', 'www.example.com'))],
  ['ext.other', TYPE.AAAA, ok(CNAME('ext.other', 'www.example.com'))],
  ['ext.other', TYPE.CNAME, ok(CNAME('ext.other', 'www.example.com'))],
  ['ext.other', TYPE.TXT, ok(CNAME('ext.other', 'www.example.com'))],
  ['alias.other', TYPE.A, ok(CNAME('alias.other', WEB), A(WEB, '10.96.0.10'))],
  ['alias.other', TYPE.AAAA, ok(CNAME('alias.other', WEB))],
  ['alias.other', TYPE.CNAME, ok(CNAME('alias.other', WEB))],
  // SRV of named ports
  [`_http._tcp.${WEB}`, TYPE.SRV, ok(SRV(`_http._tcp.${WEB}`, 80, WEB))],
  ['_http._tcp.web', TYPE.SRV, ok(SRV('_http._tcp.web', 80, WEB))],
  ['_HTTP._TCP.web.sess.', TYPE.SRV, ok(SRV('_HTTP._TCP.web.sess.', 80, WEB))],
  [`_http._tcp.${WEB}`, TYPE.A, NODATA],
  [`_http._udp.${WEB}`, TYPE.SRV, NXDOMAIN],
  [`_9090._tcp.${WEB}`, TYPE.SRV, NXDOMAIN],
  ['_grpc._tcp.api.other.svc.cluster.local', TYPE.SRV, ok(SRV('_grpc._tcp.api.other.svc.cluster.local', 50051, 'api.other.svc.cluster.local'))],
  ['_dns._udp.api.other', TYPE.SRV, ok(SRV('_dns._udp.api.other', 53, 'api.other.svc.cluster.local'))],
  ['_pg._tcp.db.other.svc.cluster.local', TYPE.SRV, ok(
    ...['db-0', 'db-1', '10-1-0-8'].map((h) => SRV('_pg._tcp.db.other.svc.cluster.local', 5432, `${h}.db.other.svc.cluster.local`)))],
  ['_pg._tcp.empty.other.svc.cluster.local', TYPE.SRV, NXDOMAIN],
  ['_https._tcp.ext.other.svc.cluster.local', TYPE.SRV, ok(SRV('_https._tcp.ext.other.svc.cluster.local', 443, 'www.example.com'))],
  // PTR: Service IP, then a named endpoint, then a pod, then an unnamed endpoint
  ['10.0.96.10.in-addr.arpa', TYPE.PTR, ok(PTR('10.0.96.10.in-addr.arpa', WEB))],
  ['10.0.96.10.IN-ADDR.ARPA.', TYPE.PTR, ok(PTR('10.0.96.10.IN-ADDR.ARPA.', WEB))],
  ['10.0.96.10.in-addr.arpa', TYPE.A, NODATA],
  ['5.0.1.10.in-addr.arpa', TYPE.PTR, ok(PTR('5.0.1.10.in-addr.arpa', 'db-0.db.other.svc.cluster.local'))],
  ['20.0.1.10.in-addr.arpa', TYPE.PTR, ok(PTR('20.0.1.10.in-addr.arpa', '10-1-0-20.sess.pod.cluster.local'))],
  ['8.0.1.10.in-addr.arpa', TYPE.PTR, ok(PTR('8.0.1.10.in-addr.arpa', '10-1-0-8.db.other.svc.cluster.local'))],
  ['7.0.1.10.in-addr.arpa', TYPE.PTR, NXDOMAIN], // not ready, no pod
  ['99.99.99.10.in-addr.arpa', TYPE.PTR, NXDOMAIN],
  ['96.10.in-addr.arpa', TYPE.PTR, NXDOMAIN],
  [reverse6('fd00:96::20'), TYPE.PTR, ok(PTR(reverse6('fd00:96::20'), 'api.other.svc.cluster.local'))],
  [reverse6('fd00:1::5'), TYPE.PTR, ok(PTR(reverse6('fd00:1::5'), 'db-0.db.other.svc.cluster.local'))],
  [reverse6('fd00:1::6'), TYPE.PTR, NXDOMAIN],
  // the pods form, for any address
  ['10-1-2-3.other.pod.cluster.local', TYPE.A, ok(A('10-1-2-3.other.pod.cluster.local', '10.1.2.3'))],
  ['10-1-2-3.anyns.pod', TYPE.A, ok(A('10-1-2-3.anyns.pod', '10.1.2.3'))],
  ['fd00-1--5.other.pod.cluster.local', TYPE.AAAA, ok(AAAA('fd00-1--5.other.pod.cluster.local', 'fd00:1::5'))],
  ['10-1-2-3.other.pod.cluster.local', TYPE.AAAA, NODATA],
  ['10-1-2-300.other.pod.cluster.local', TYPE.A, NXDOMAIN],
  ['x.10-1-2-3.other.pod.cluster.local', TYPE.A, NXDOMAIN],
  // the tree above the names, and the schema version
  ['cluster.local', TYPE.A, NODATA],
  ['svc.cluster.local', TYPE.A, NODATA],
  ['other.svc.cluster.local', TYPE.A, NODATA],
  ['nowhere.svc.cluster.local', TYPE.A, NXDOMAIN],
  ['dns-version.cluster.local', TYPE.TXT, ok(TXT('dns-version.cluster.local', ['1.1.0']))],
  ['dns-version.cluster.local', TYPE.A, NODATA],
];

/** The ip6.arpa name of an IPv6 address (written out here, not with the code under test). */
function reverse6(ip: string): string {
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const all = [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return `${[...all.map((g: string) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}

describe('dns/cluster-table: answers by the Kubernetes DNS specification', () => {
  const table = fixture();
  for (const [name, type, expected] of cases) {
    it(`${typeName(type)} ${name} -> ${expected.rcode === RCODE.NXDOMAIN ? 'NXDOMAIN' : `NOERROR, ${expected.answers.length} answers`}`, () => {
      expect(table.lookup(name, type)).to.deep.equal(expected);
    });
  }

  it('every kind of answer survives dns2 encoding (the field names are the encoder\'s)', () => {
    const response = new Packet();
    response.answers.push(
      ...table.lookup('alias.other', TYPE.A).answers, ...table.lookup('db-0.db.other', TYPE.AAAA).answers,
      ...table.lookup('_pg._tcp.db.other', TYPE.SRV).answers, ...table.lookup('5.0.1.10.in-addr.arpa', TYPE.PTR).answers,
      ...table.lookup('dns-version.cluster.local', TYPE.TXT).answers,
    );
    const parsed = Packet.parse(response.toBuffer()).answers.map((r) => ({ ...r }));
    expect(parsed).to.deep.equal(response.answers.map((r) => ({ ...r })));
    expect(parsed).to.have.length(8);
  });

  it('ipOfReverseName: IPv4 and IPv6, canonical; anything else null', () => {
    expect(ipOfReverseName('4.3.2.1.in-addr.arpa.')).to.equal('1.2.3.4');
    expect(ipOfReverseName(reverse6('fd00:96::20').toUpperCase())).to.equal('fd00:96::20');
    expect(['1.2.3.in-addr.arpa', '256.3.2.1.in-addr.arpa', '0.ip6.arpa', 'web.sess']).to.satisfy(
      (names: string[]) => names.every((n) => ipOfReverseName(n) === null));
  });

  it('counts objects and namespaces', () => {
    expect(table.size).to.deep.equal({ services: 7, endpoints: 4, pods: 2 });
    expect(table.namespaces().sort()).to.deep.equal(['other', 'sess']);
  });
});

describe('dns/cluster-table: updates', () => {
  const names = (t: ClusterDnsTable, name: string, type: number = TYPE.A): string[] =>
    t.lookup(name, type).answers.map((r) => r.address ?? r.domain ?? r.target ?? '');

  it('an upsert replaces the Service: the old address and its PTR are gone', () => {
    const t = fixture();
    t.upsertService(service('sess', 'web', { clusterIPs: ['10.96.0.11'] }));
    expect(names(t, 'web')).to.deep.equal(['10.96.0.11']);
    expect(t.lookup('10.0.96.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(NXDOMAIN);
    expect(names(t, '11.0.96.10.in-addr.arpa', TYPE.PTR)).to.deep.equal([WEB]);
    expect(t.lookup('_http._tcp.web', TYPE.SRV)).to.deep.equal(NXDOMAIN); // the new spec has no ports
    expect(t.size.services).to.equal(7);
  });

  it('a deleted Service stops resolving; its endpoints stay and answer again when it comes back', () => {
    const t = fixture();
    t.deleteService('other', 'db');
    expect(t.lookup('db.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.lookup('db-1.db.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.lookup('6.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(NXDOMAIN);
    // 10.1.0.5 is still the pod db-0's address
    expect(names(t, '5.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(['10-1-0-5.other.pod.cluster.local']);
    t.upsertService(service('other', 'db', { headless: true }));
    expect(names(t, 'db.other')).to.deep.equal(['10.1.0.5', '10.1.0.6', '10.1.0.8']);
    t.deleteService('other', 'nothing-here');
    expect(t.size).to.deep.equal({ services: 7, endpoints: 4, pods: 2 });
  });

  it('a deleted slice takes only its own addresses; the same address in another slice stays', () => {
    const t = fixture();
    t.deleteEndpoints('other', 'db', 'db-v4a');
    expect(names(t, 'db.other')).to.deep.equal(['10.1.0.8', '10.1.0.5']);
    expect(t.lookup('db-1.db.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(names(t, 'db-0.db.other')).to.deep.equal(['10.1.0.5']);
    t.deleteEndpoints('other', 'db', 'db-v4b');
    t.deleteEndpoints('other', 'db', 'db-v6');
    expect(t.lookup('db.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.lookup('_pg._tcp.db.other', TYPE.SRV)).to.deep.equal(NXDOMAIN);
    expect(t.size.endpoints).to.equal(1);
  });

  it('an address that becomes ready appears, one that stops being ready goes', () => {
    const t = fixture();
    t.upsertEndpoints(slice('other', 'db', 'db-v4a', [
      { ip: '10.1.0.5', ready: false, hostname: 'db-0' }, { ip: '10.1.0.7', ready: true, hostname: 'db-2' },
    ]));
    expect(names(t, 'db.other')).to.deep.equal(['10.1.0.7', '10.1.0.8', '10.1.0.5']); // 10.1.0.5 still ready in db-v4b
    expect(names(t, 'db-2.db.other')).to.deep.equal(['10.1.0.7']);
    expect(t.lookup('db-1.db.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(names(t, '7.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(['db-2.db.other.svc.cluster.local']);
    expect(t.size.endpoints).to.equal(4);
  });

  it('a slice relabelled to another Service moves there; its delete finds it by key', () => {
    const t = fixture();
    t.upsertService(service('other', 'db2', { headless: true }));
    t.upsertEndpoints({ ...slice('other', 'db2', 'db-v4b', [{ ip: '10.1.0.8', ready: true }]) });
    expect(names(t, 'db.other')).to.deep.equal(['10.1.0.5', '10.1.0.6']);
    expect(names(t, 'db2.other')).to.deep.equal(['10.1.0.8']);
    t.deleteEndpoints('other', 'db', 'db-v4b');
    expect(t.lookup('db2.other', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.size.endpoints).to.equal(3);
  });

  it('pods: an upsert replaces the addresses of the PTR, a delete removes them', () => {
    const t = fixture();
    t.upsertPod({ namespace: 'sess', name: 'web-abc', ips: ['10.1.0.21'] });
    expect(t.lookup('20.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(NXDOMAIN);
    expect(names(t, '21.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(['10-1-0-21.sess.pod.cluster.local']);
    t.deletePod('sess', 'web-abc');
    expect(t.lookup('21.0.1.10.in-addr.arpa', TYPE.PTR)).to.deep.equal(NXDOMAIN);
    expect(t.size.pods).to.equal(1);
  });

  it('a namespace is known while it holds an object', () => {
    const t = new ClusterDnsTable({ clusterDomain: 'cluster.local.', sessionNamespace: 'sess' });
    expect(t.lookup('lone.svc.cluster.local', TYPE.A)).to.deep.equal(NXDOMAIN);
    t.upsertPod({ namespace: 'lone', name: 'p', ips: ['10.1.9.9'] });
    expect(t.lookup('lone.svc.cluster.local', TYPE.A)).to.deep.equal(NODATA);
    t.deletePod('lone', 'p');
    expect(t.lookup('lone.svc.cluster.local', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.namespaces()).to.deep.equal([]);
  });

  it('reset(kind) forgets that kind only (the watch relists it next); the others keep answering', () => {
    const t = fixture();
    const { endpoints, pods } = t.size;
    expect(endpoints).to.be.above(0);
    expect(pods).to.be.above(0);
    t.reset('services');
    expect(t.size).to.deep.equal({ services: 0, endpoints, pods });
    expect(t.lookup('web', TYPE.A)).to.deep.equal(NXDOMAIN);
    t.upsertService(service('sess', 'web', { clusterIPs: ['10.96.0.12'] }));
    expect(names(t, 'web')).to.deep.equal(['10.96.0.12']);
    t.reset('pods');
    expect(t.size).to.deep.equal({ services: 1, endpoints, pods: 0 });
    t.reset('endpoints');
    expect(t.size).to.deep.equal({ services: 1, endpoints: 0, pods: 0 });
    expect(names(t, 'web')).to.deep.equal(['10.96.0.12']);
  });

  it('clear() forgets everything; the generation counts every change', () => {
    const t = fixture();
    const before = t.generation;
    t.clear();
    expect(t.generation).to.equal(before + 1);
    expect(t.size).to.deep.equal({ services: 0, endpoints: 0, pods: 0 });
    for (const [name, type] of [['web', TYPE.A], ['db.other', TYPE.A], ['10.0.96.10.in-addr.arpa', TYPE.PTR], ['20.0.1.10.in-addr.arpa', TYPE.PTR]] as const) {
      expect(t.lookup(name, type), name).to.deep.equal(NXDOMAIN);
    }
    t.upsertService(service('sess', 'web', { clusterIPs: ['10.96.0.12'] }));
    t.upsertEndpoints(slice('sess', 'web', 'web-x1', []));
    t.upsertPod({ namespace: 'sess', name: 'p', ips: [] });
    t.deletePod('sess', 'p');
    t.deleteEndpoints('sess', 'web', 'web-x1');
    t.deleteService('sess', 'web');
    expect(t.generation).to.equal(before + 7);
    t.deleteService('sess', 'web'); // nothing there: no change
    t.deletePod('sess', 'p');
    expect(t.generation).to.equal(before + 7);
    t.upsertService(service('sess', 'web', { clusterIPs: ['10.96.0.12'] }));
    expect(names(t, 'web')).to.deep.equal(['10.96.0.12']);
  });

  it('another cluster domain and TTL', () => {
    const t = new ClusterDnsTable({ clusterDomain: 'Corp.Example', sessionNamespace: 'Sess', ttlSeconds: 1 });
    t.upsertService(service('sess', 'web', { clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    expect(t.lookup('web.sess.svc.corp.example', TYPE.A)).to.deep.equal(ok(a('web.sess.svc.corp.example', '10.96.0.10', 1)));
    expect(t.lookup('web', TYPE.A).answers).to.have.length(1);
    expect(t.lookup('web.sess.svc.cluster.local', TYPE.A)).to.deep.equal(NXDOMAIN);
    expect(t.lookup('_http._tcp.web', TYPE.SRV).answers[0].target).to.equal('web.sess.svc.corp.example');
  });
});
