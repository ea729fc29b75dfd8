// The pod DNS adapter through a real SSH direct-tcpip stream (OpenSSH sshd on loopback, the
// session's SshTunnel), to the real proxy-pod DNS program: what a vpn-tcp session does.
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { podDnsLookup, TYPE, type PodLookup } from '../../../src/dns/index.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { listenPodDns, type PodDnsServer } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls until sshd accepts connections. */
async function untilListening(port: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (up) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pod DNS adapter through a real SSH tunnel', function () {
  this.timeout(30_000);
  const key = generateSessionKey('test');
  let dir: string;
  let sshd: ResultPromise;
  let tunnel: SshTunnel;
  let pod: PodDnsServer;
  let adapter: PodLookup;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tp-dns-sshd-'));
    mkdirSync('/run/sshd', { recursive: true });
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    writeFileSync(path.join(dir, 'authorized_keys'), key.publicKey + '\n', { mode: 0o600 });
    const port = await freePort();
    writeFileSync(path.join(dir, 'sshd_config'), [
      `ListenAddress 127.0.0.1:${port}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password',
      'StrictModes no', 'UsePAM no', 'PidFile none', 'AllowTcpForwarding yes',
    ].join('\n') + '\n');
    sshd = execa('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { reject: false });
    await untilListening(port, 10_000);
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
    sshd?.kill('SIGTERM');
    await sshd;
    rmSync(dir, { recursive: true, force: true });
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
