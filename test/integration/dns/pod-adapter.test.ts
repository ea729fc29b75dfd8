// The cluster side through the real proxy-pod DNS program (listenPodDns on loopback, host-table
// resolver): DNS over one TCP stream, opened by an openStream like SshTunnel's, reused, reopened.
import { expect } from 'chai';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_EXCLUDE_SUFFIXES, type DnsPolicy } from '../../../src/engine/index.js';
import {
  listenWorkstationDns, podDnsLookup, teachSearchSuffixes, TYPE, WorkstationDns, type DnsListener, type PodLookup,
} from '../../../src/dns/index.js';
import { listenPodDns, type PodDnsServer } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { dig } from './helpers.js';

const policy: DnsPolicy = {
  clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [],
  mappedNamespaces: ['ns'], searchPath: [],
};

describe('pod DNS adapter (real proxy-pod DNS server on loopback)', function () {
  this.timeout(20_000);
  let pod: PodDnsServer;
  let podClosed = false;
  let adapter: PodLookup;
  let resolver: WorkstationDns;
  let listener: DnsListener;
  const opened: string[] = [];
  const streams: net.Socket[] = [];

  before(async () => {
    const table: Record<string, string[]> = { 'web.ns': ['10.96.0.5'], web: ['10.96.0.5'] };
    for (let i = 0; i < 20; i++) table[`svc${i}.ns`] = [`10.96.1.${i}`];
    pod = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver(table) });
    // Stands in for SshTunnel.openStream: the pod's 127.0.0.1:9053 is this loopback port.
    const openStream = async (host: string, port: number): Promise<Duplex> => {
      opened.push(`${host}:${port}`);
      const socket = net.connect(pod.tcpPort, '127.0.0.1');
      streams.push(socket);
      return socket;
    };
    adapter = podDnsLookup(openStream, { timeoutMs: 3000 });
    resolver = new WorkstationDns({ policy, clusterLookup: adapter.lookup });
    listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    adapter?.close();
    await listener?.close();
    if (!podClosed) await pod?.close();
  });

  it('teaches the pod every search suffix, and asks for 127.0.0.1:9053 through one stream', async () => {
    expect(await teachSearchSuffixes(resolver, ['corp.example.com', 'lab.example.com'])).to.deep.equal(['corp.example.com', 'lab.example.com']);
    expect(pod.suffixes.list()).to.deep.equal(['corp.example.com', 'lab.example.com']);
    expect(opened).to.deep.equal(['127.0.0.1:9053']);
  });

  it('dig gets the pod\'s answer with TTL 4; AAAA is NODATA (the pod\'s A records are filtered); unknown is NXDOMAIN', async () => {
    expect(await dig('127.0.0.1', listener.port, 'web.ns', 'A')).to.deep.include({ status: 'NOERROR', answers: ['web.ns. 4 IN A 10.96.0.5'] });
    expect(await dig('127.0.0.1', listener.port, 'web.ns', 'AAAA')).to.deep.include({ status: 'NOERROR', answers: [] });
    expect((await dig('127.0.0.1', listener.port, 'nowhere.ns', 'A')).status).to.equal('NXDOMAIN');
  });

  it('the pod strips a learned suffix (a name the stub qualified, sent to the cluster)', async () => {
    const result = await adapter.lookup('web.ns.lab.example.com', TYPE.A);
    expect(result.answers.map((a) => [a.name, a.address])).to.deep.equal([['web.ns.lab.example.com', '10.96.0.5']]);
  });

  it('twenty questions at once share the one stream, each answered by id', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => adapter.lookup(`svc${i}.ns`, TYPE.A)));
    expect(results.map((r) => r.answers[0]?.address)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `10.96.1.${i}`));
    expect(opened).to.have.length(1);
  });

  it('a stream that breaks is reopened for the next question', async () => {
    streams[streams.length - 1].destroy();
    await new Promise((r) => setImmediate(r));
    const result = await adapter.lookup('web', TYPE.A);
    expect(result.answers.map((a) => a.address)).to.deep.equal(['10.96.0.5']);
    expect(opened).to.deep.equal(['127.0.0.1:9053', '127.0.0.1:9053']);
  });

  it('with the pod gone, the question fails at once (SERVFAIL, not a timeout)', async () => {
    // Our end first: dns2's TCP server waits for open connections when it closes.
    streams.forEach((s) => s.destroy());
    await pod.close();
    podClosed = true;
    const started = Date.now();
    expect((await dig('127.0.0.1', listener.port, 'gone.ns', 'A')).status).to.equal('SERVFAIL');
    expect(Date.now() - started).to.be.below(1000);
  });
});
