// --proxy-via in the methods that route: which questions the relay answers (the session's real resolver,
// WorkstationDns, over a fake relay and a scripted proxy-pod DNS), what the user's stub then sees (virtual
// IPs), which connections the VIF's connector sends through the relay, and teleproxy's table-first rule.
import { expect } from 'chai';
import { PassThrough, type Duplex } from 'node:stream';
import { DEFAULT_EXCLUDE_SUFFIXES, planRoutes, type DnsPolicy } from '../../../src/engine/index.js';
import { RCODE, TYPE, WorkstationDns, type Lookup } from '../../../src/dns/index.js';
import { planVnat } from '../../../methods/cluster-routing.js';
import type { ProxyViaRelayClient } from '../../../methods/method.js';
import { proxyViaConnector, relayFirstLookup, unmatchedNamesLookup } from '../../../methods/proxy-via.js';
import { TeleproxyMethod } from '../../../methods/teleproxy.js';
import { a, ok, ScriptedLookup } from '../dns/helpers.js';

const routing = { allowConflictingSubnets: [], autoResolveConflicts: true, virtualSubnet: '246.246.0.0/16', alsoProxySubnets: [], neverProxySubnets: [] };
const plan = planRoutes({
  serviceSubnets: ['10.130.0.0/16'], podSubnets: ['10.132.0.0/16'], alsoProxy: [], apiServerIps: [], routes: [], routing,
  vnat: [{ target: '10.130.0.0/16', via: 'client-app' }, { target: '127.0.0.0/8', via: 'client-app' }],
});
const policy: DnsPolicy = {
  clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: ['ns'],
  searchPath: ['ns.svc.cluster.local'],
};

/** What the pod of client-app resolves (its /etc/hosts has mesh-local.test), and every call. */
function fakeRelay(): ProxyViaRelayClient & { calls: string[] } {
  const names: Record<string, string[]> = { echo: ['10.130.0.20'], 'mesh-local.test': ['127.0.0.5'], 'printer.lan': ['192.168.7.5'] };
  const calls: string[] = [];
  return {
    calls,
    where: 'pod client-app-1 (Deployment client-app)',
    resolve: async (name) => { calls.push(`resolve ${name}`); return names[name] ?? []; },
    resolvePtr: async () => null,
    connect: async (host, port) => { calls.push(`connect ${host}:${port}`); return new PassThrough(); },
  };
}

function setup() {
  const vnat = planVnat(plan);
  const relay = fakeRelay();
  const pod = new ScriptedLookup({ echo: ok(a('echo', '10.130.0.20')), 'hellotelepresence-1': ok(a('hellotelepresence-1', '127.0.0.1')) });
  const original = new ScriptedLookup({ 'printer.lan': ok(a('printer.lan', '192.0.2.9')), 'example.com': ok(a('example.com', '192.0.2.1')) });
  const dns = new WorkstationDns({
    policy, clusterLookup: relayFirstLookup(relay, pod.lookup), unmatchedLookup: unmatchedNamesLookup(relay, vnat),
    originalLookup: original.lookup, translate: vnat.translate, isClusterIp: vnat.isClusterIp,
  });
  return { vnat, relay, pod, original, dns };
}

const addresses = (r: { answers: unknown[] }) => r.answers.map((x) => (x as { address: string }).address);

describe('methods: --proxy-via names (the relay resolves, answers in a --proxy-via CIDR become virtual IPs)', () => {
  const cases: [string, number, { relay: string[]; pod: string[]; original: string[]; answer: string | string[]; rcode?: number }][] = [
    ['echo', TYPE.A, { relay: ['resolve echo'], pod: [], original: [], answer: 'virtual 10.130.0.20' }],
    ['echo', TYPE.AAAA, { relay: [], pod: ['echo|28'], original: [], answer: [] }],
    ['hellotelepresence-1', TYPE.A, { relay: [], pod: ['hellotelepresence-1|1'], original: [], answer: ['127.0.0.1'] }],
    ['mesh-local.test', TYPE.A, { relay: ['resolve mesh-local.test'], pod: [], original: [], answer: 'virtual 127.0.0.5' }],
    ['mesh-local.test', TYPE.AAAA, { relay: ['resolve mesh-local.test'], pod: [], original: [], answer: [] }],
    ['printer.lan', TYPE.A, { relay: ['resolve printer.lan'], pod: [], original: ['printer.lan|1'], answer: ['192.0.2.9'] }],
    ['nobody.test', TYPE.A, { relay: ['resolve nobody.test'], pod: [], original: ['nobody.test|1'], answer: [], rcode: RCODE.NXDOMAIN }],
    ['example.com', TYPE.A, { relay: [], pod: [], original: ['example.com|1'], answer: ['192.0.2.1'] }],
  ];
  for (const [name, type, want] of cases) {
    it(`${name} ${type === TYPE.A ? 'A' : 'AAAA'}: relay ${want.relay.length > 0 ? 'asked' : 'not asked'}, ${JSON.stringify(want.answer)}`, async () => {
      const { vnat, relay, pod, original, dns } = setup();
      const result = await dns.resolve(name, type);
      expect(relay.calls).to.deep.equal(want.relay);
      expect(pod.calls).to.deep.equal(want.pod);
      expect(original.calls).to.deep.equal(want.original);
      expect(result.rcode).to.equal(want.rcode ?? RCODE.NOERROR);
      const expected = typeof want.answer === 'string' ? [vnat.translate(want.answer.split(' ')[1]!)] : want.answer;
      expect(addresses(result)).to.deep.equal(expected);
      if (typeof want.answer === 'string') expect(expected[0]).to.match(/^246\.246\./);
    });
  }

  it('the connector: a translated address of a --proxy-via CIDR through the relay (loopback too), others from the proxy pod', async () => {
    const { vnat, relay } = setup();
    const proxyPod: string[] = [];
    const logs: string[] = [];
    const connect = proxyViaConnector({
      relays: new Map([['client-app', relay]]), log: (l) => logs.push(l),
      openPodStream: async (host, port) => { proxyPod.push(`${host}:${port}`); return new PassThrough() as Duplex; },
    }, vnat);
    vnat.translate('127.0.0.5');
    // The VIF hands the connector the cluster IP (after its translate).
    for (const [ip, port] of [['10.130.0.20', 8080], ['127.0.0.5', 7070], ['10.132.0.9', 80]] as const) await connect(ip, port);
    expect(relay.calls).to.deep.equal(['connect 10.130.0.20:8080', 'connect 127.0.0.5:7070']);
    expect(proxyPod).to.deep.equal(['10.132.0.9:80']);
    expect(logs).to.deep.equal([
      'proxy-via: 10.130.0.20:8080 through the relay in pod client-app-1 (Deployment client-app)',
      'proxy-via: 127.0.0.5:7070 through the relay in pod client-app-1 (Deployment client-app)',
    ]);
  });

  it('teleproxy: the table answers what it knows; an A question it has no name for goes to the relay', async () => {
    const relay = fakeRelay();
    const table = new ScriptedLookup({ echo: ok(a('echo', '10.130.0.21')) });
    const lookup: Lookup = new (class extends TeleproxyMethod {
      expose(): Lookup { return this.withProxyVia(table.lookup, relay); }
    })().expose();
    expect(addresses(await lookup('echo', TYPE.A))).to.deep.equal(['10.130.0.21']);
    expect(addresses(await lookup('mesh-local.test', TYPE.A))).to.deep.equal(['127.0.0.5']);
    expect((await lookup('mesh-local.test', TYPE.AAAA)).rcode).to.equal(RCODE.NXDOMAIN);
    expect((await lookup('tel2-recursion-check.kube-system', TYPE.A)).rcode).to.equal(RCODE.NXDOMAIN);
    expect(relay.calls).to.deep.equal(['resolve mesh-local.test']);
  });
});
