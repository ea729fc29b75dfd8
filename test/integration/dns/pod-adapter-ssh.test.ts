// The pod DNS adapter through a real SSH direct-tcpip stream (OpenSSH sshd on loopback, the
// session's SshTunnel), to the real proxy-pod DNS program: what a vpn-tcp session does.
import { expect } from 'chai';
import { podDnsLookup, TYPE, type PodLookup } from '../../../src/dns/index.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { startTestSshd, type TestSshd } from '../helpers/sshd.js';
import { listenPodDns, type PodDnsServer } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

describe('pod DNS adapter through a real SSH tunnel', function () {
  this.timeout(30_000);
  const key = generateSessionKey('test');
  let sshd: TestSshd;
  let tunnel: SshTunnel;
  let pod: PodDnsServer;
  let adapter: PodLookup;

  before(async () => {
    sshd = await startTestSshd(key.publicKey);
    const port = sshd.port;
    tunnel = await SshTunnel.connect({ host: '127.0.0.1', port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 10_000 });
    tunnel.on('lost', () => undefined);
    const table: Record<string, string[]> = { 'web.ns': ['10.96.0.5'] };
    for (let i = 0; i < 50; i++) table[`svc${i}.ns`] = [`10.96.1.${i}`];
    pod = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver(table) });
    adapter = podDnsLookup((host, p) => tunnel.openStream(host, p), { port: pod.tcpPort, timeoutMs: 3000 });
  });
  after(async () => {
    adapter?.close();
    tunnel?.close();
    await pod?.close();
    await sshd?.stop();
  });

  it('a probe, a name and NXDOMAIN cross the SSH stream', async () => {
    const probe = await adapter.lookup('hellotelepresence-0.corp.example.com', TYPE.A);
    expect(probe.answers.map((a) => a.address)).to.deep.equal(['127.0.0.1']);
    expect(pod.suffixes.list()).to.deep.equal(['corp.example.com']);
    expect((await adapter.lookup('web.ns.corp.example.com', TYPE.A)).answers.map((a) => a.address)).to.deep.equal(['10.96.0.5']);
    expect((await adapter.lookup('nowhere.ns', TYPE.A)).rcode).to.equal(3);
  });

  it('fifty questions at once over the one channel', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => adapter.lookup(`svc${i}.ns`, TYPE.A)));
    expect(results.map((r) => r.answers[0]?.address)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `10.96.1.${i}`));
  });
});
