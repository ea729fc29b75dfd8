// The pod's DNS server on loopback, asked by the real `dig` over UDP and TCP: probes teach
// suffixes, stripped names resolve, unknown names get NXDOMAIN.
import { expect } from 'chai';
import { execa } from 'execa';
import { listenPodDns, type PodDnsServer } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

describe('proxy-pod DNS server (loopback, dig)', function () {
  this.timeout(20_000);
  let server: PodDnsServer;
  const logs: string[] = [];

  before(async () => {
    const resolver = hostTableResolver({ 'web.ns': ['10.96.0.5'], web: ['10.96.0.5'] });
    server = await listenPodDns({ host: '127.0.0.1', port: 0, resolver, log: (l) => logs.push(l) });
  });
  after(async () => server.close());

  async function dig(name: string, type: string, tcp = false): Promise<{ status: string; answers: string[] }> {
    const port = tcp ? server.tcpPort : server.udpPort;
    const args = ['@127.0.0.1', '-p', String(port), name, type, '+time=2', '+tries=1', '+noall', '+comments', '+answer'];
    if (tcp) args.push('+tcp');
    const { stdout } = await execa('dig', args);
    const status = /status: (\w+)/.exec(stdout)?.[1] ?? `no status in: ${stdout}`;
    const answers = stdout
      .split('\n')
      .filter((l) => l && !l.startsWith(';'))
      .map((l) => l.split(/\s+/).filter(Boolean).join(' '));
    return { status, answers };
  }

  for (const tcp of [false, true]) {
    const via = tcp ? 'TCP' : 'UDP';
    it(`${via}: a probe is answered 127.0.0.1 and teaches its suffix`, async () => {
      expect(await dig(`hellotelepresence-${via}.corp.example.com`, 'A', tcp)).to.deep.equal({
        status: 'NOERROR',
        answers: [`hellotelepresence-${via}.corp.example.com. 5 IN A 127.0.0.1`],
      });
      expect(server.suffixes.list()).to.include('corp.example.com');
    });
    it(`${via}: a name with the learned suffix is stripped and resolved`, async () => {
      expect(await dig('web.ns.corp.example.com', 'A', tcp)).to.deep.equal({
        status: 'NOERROR',
        answers: ['web.ns.corp.example.com. 5 IN A 10.96.0.5'],
      });
    });
    it(`${via}: AAAA is answered with the A records`, async () => {
      expect(await dig('web', 'AAAA', tcp)).to.deep.equal({ status: 'NOERROR', answers: ['web. 5 IN A 10.96.0.5'] });
    });
    it(`${via}: PTR`, async () => {
      expect(await dig('5.0.96.10.in-addr.arpa', 'PTR', tcp)).to.deep.equal({
        status: 'NOERROR',
        answers: ['5.0.96.10.in-addr.arpa. 5 IN PTR web.ns.'],
      });
    });
    it(`${via}: an unknown name is NXDOMAIN`, async () => {
      expect(await dig('nowhere.corp.example.com', 'A', tcp)).to.deep.equal({ status: 'NXDOMAIN', answers: [] });
    });
  }

  it('logs what it learned and resolved', () => {
    expect(logs).to.include('dns: learned search suffix corp.example.com (now corp.example.com)');
    expect(logs).to.include('dns: web.ns.corp.example.com -> 10.96.0.5 (as web.ns)');
  });
});
