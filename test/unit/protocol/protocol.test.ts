// The workstation<->pod contract: its wire values (literal here on purpose: changing one is a new
// protocol version), that both sides take them from src/protocol, and the image tag.
import { expect } from 'chai';

import { teachSearchSuffixes } from '../../../src/dns/startup.js';
import { buildQuery, RCODE, TYPE } from '../../../src/dns/records.js';
import { WorkstationDns } from '../../../src/dns/workstation-dns.js';
import { DEFAULT_EXCLUDE_SUFFIXES } from '../../../src/engine/index.js';
import { proxyDeployment } from '../../../src/kube/proxy-spec.js';
import * as protocol from '../../../src/protocol/index.js';
import { answerRequest } from '../../../proxy-pod/src/dns/server.js';
import { planQuery, SearchSuffixes } from '../../../proxy-pod/src/dns/policy.js';
import { filterEnv } from '../../../proxy-pod/src/podinfo.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { DEFAULT_SETTINGS, readSettings } from '../../../proxy-pod/src/settings.js';

describe('protocol (the workstation<->pod contract)', () => {
  it('has the wire values of pod protocol 1', () => {
    expect({
      version: protocol.POD_PROTOCOL_VERSION, ssh: protocol.SSH_PORT, socks: protocol.SOCKS_PORT, dns: protocol.DNS_PORT,
      host: protocol.POD_SERVICE_HOST, podinfo: protocol.PODINFO_COMMAND, user: protocol.PROXY_SSH_USER,
      uid: protocol.PROXY_UID, container: protocol.PROXY_CONTAINER,
      probe: protocol.PROBE_PREFIX, answer: protocol.PROBE_ANSWER, sanity: protocol.PROBE_SANITY_CHECK_SUFFIX,
    }).to.deep.equal({
      version: 1, ssh: 8022, socks: 9050, dns: 9053, host: '127.0.0.1', podinfo: 'telepresence-podinfo', user: 'telepresence',
      uid: 1000, container: 'telepresence', probe: 'hellotelepresence', answer: '127.0.0.1', sanity: 'telepresence.io',
    });
    expect(protocol.POD_SETTING_VARIABLES).to.deep.equal([
      'TELEPRESENCE_SSH_PUBKEY', 'TELEPRESENCE_STATE_DIR', 'TELEPRESENCE_LISTEN_HOST', 'TELEPRESENCE_SOCKS_PORT',
      'TELEPRESENCE_DNS_PORT', 'TELEPRESENCE_NAMESERVER', 'TELEPRESENCE_LOCAL_NAMES',
    ]);
  });

  it('the pod spec the launcher writes is what the pod program reads', () => {
    const d = proxyDeployment({ name: 'p', image: 'i', sessionId: 's', publicKey: 'ssh-ed25519 AAAA k', env: { [protocol.POD_ENV.nameserver]: '10.0.0.1' } });
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0];
    expect(c.name).to.equal(protocol.PROXY_CONTAINER);
    expect(pod.securityContext!.runAsUser).to.equal(protocol.PROXY_UID);
    expect(c.env!.map((e) => e.name)).to.deep.equal([protocol.POD_ENV.sshPublicKey, protocol.POD_ENV.nameserver]);
    expect(c.ports!.slice(0, 3).map((p) => p.containerPort)).to.deep.equal([protocol.SSH_PORT, protocol.SOCKS_PORT, protocol.DNS_PORT]);
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(readSettings(env)).to.deep.equal({ ...DEFAULT_SETTINGS, externalNameserver: '10.0.0.1' });
    expect([DEFAULT_SETTINGS.socksPort, DEFAULT_SETTINGS.dnsPort]).to.deep.equal([protocol.SOCKS_PORT, protocol.DNS_PORT]);
    // None of the pod's own settings reaches the app's environment.
    expect(filterEnv({ ...env, APP: 'x' })).to.deep.equal({ APP: 'x' });
  });

  it("the workstation's probes teach the pod's DNS its suffixes, and the pod's answer is what the workstation waits for", async () => {
    const suffixes = new SearchSuffixes();
    const options = { resolver: hostTableResolver({}) };
    const dns = new WorkstationDns({
      policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: [], searchPath: [] },
      // The pod's DNS server, in process: the same answer as over the tunnel.
      clusterLookup: async (name, type) => {
        const reply = await answerRequest(buildQuery(name, type, 7), options, suffixes);
        return { rcode: reply.header.rcode, answers: reply.answers };
      },
    });
    expect(await teachSearchSuffixes(dns, ['corp.example.com', 'lan'])).to.deep.equal(['corp.example.com', 'lan']);
    expect(suffixes.list()).to.deep.equal(['corp.example.com', 'lan']);
    const sanity = await dns.resolve(`${protocol.PROBE_PREFIX}-0.a.sanity.check.${protocol.PROBE_SANITY_CHECK_SUFFIX}`, TYPE.A);
    expect([sanity.rcode, sanity.answers]).to.deep.equal([RCODE.NXDOMAIN, []]);
    expect(planQuery(`${protocol.PROBE_PREFIX}-9.home`, suffixes)).to.deep.equal({ kind: 'probe', learned: 'home' });
  });

  describe('defaultProxyImage', () => {
    const cases: Array<[string, string]> = [
      ['0.1.0', 'telepresence/proxy:0.1.0'],
      ['1.2.3-rc.1', 'telepresence/proxy:1.2.3-rc.1'],
      ['1.0.0+build.5', 'telepresence/proxy:1.0.0-build.5'],
    ];
    for (const [version, image] of cases) it(`${version} -> ${image}`, () => expect(protocol.defaultProxyImage(version)).to.equal(image));
  });

  describe('podInfoProtocolVersion', () => {
    const cases: Array<[string, unknown, number | null]> = [
      ['version 1', { protocolVersion: 1, env: {} }, 1],
      ['version 0', { protocolVersion: 0 }, 0],
      ['a newer version', { protocolVersion: 7 }, 7],
      ['no field (an image before versioning)', { env: {}, mountpoints: [] }, null],
      ['a string', { protocolVersion: '1' }, null],
      ['a fraction', { protocolVersion: 1.5 }, null],
      ['negative', { protocolVersion: -1 }, null],
      ['null', null, null],
      ['an array', [1], null],
    ];
    for (const [what, answer, want] of cases) it(`${what} -> ${want}`, () => expect(protocol.podInfoProtocolVersion(answer)).to.equal(want));
  });
});
