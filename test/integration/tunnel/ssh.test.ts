// The SSH tunnel against a real OpenSSH sshd on loopback: per-session key accepted, another key
// refused, bytes cross a direct-tcpip stream both ways, and the loss of sshd is reported.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SSH tunnel (real sshd on 127.0.0.1)', function () {
  this.timeout(30000);
  const key = generateSessionKey('test');
  let dir: string;
  let sshdPort: number;
  let sshd: ResultPromise;
  let echo: net.Server;
  let echoPort: number;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tp-sshd-'));
    mkdirSync('/run/sshd', { recursive: true });
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    writeFileSync(path.join(dir, 'authorized_keys'), key.publicKey + '\n', { mode: 0o600 });
    sshdPort = await freePort();
    writeFileSync(path.join(dir, 'sshd_config'), [
      `ListenAddress 127.0.0.1:${sshdPort}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password',
      'StrictModes no', 'UsePAM no', 'PidFile none', 'AllowTcpForwarding yes',
    ].join('\n') + '\n');
    sshd = execa('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { reject: false });
    await waitForPort(sshdPort, 10000);
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  after(() => {
    sshd?.kill('SIGKILL');
    echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (privateKey: string) =>
    SshTunnel.connect({ host: '127.0.0.1', port: sshdPort, username: 'root', privateKey, readyTimeoutMs: 5000 });

  it('carries bytes both ways over a direct-tcpip stream, with half-close', async () => {
    const tunnel = await connect(key.privateKey);
    try {
      const stream = await tunnel.openStream('127.0.0.1', echoPort);
      const payload = Buffer.alloc(256 * 1024, 7);
      const chunks: Buffer[] = [];
      const done = new Promise<void>((r) => stream.on('end', () => r()));
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.end(payload);
      await done;
      expect(Buffer.concat(chunks).equals(payload)).to.equal(true);
    } finally {
      tunnel.close();
    }
  });

  it('runs a command and returns its output', async () => {
    const tunnel = await connect(key.privateKey);
    try {
      expect(await tunnel.exec('echo hello-from-sshd')).to.equal('hello-from-sshd\n');
    } finally {
      tunnel.close();
    }
  });

  it('is refused with a key that is not the session key', async () => {
    const other = generateSessionKey('other');
    let message = '';
    try {
      await connect(other.privateKey);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.equal(
      `cannot open the SSH connection to the proxy pod at 127.0.0.1:${sshdPort}: All configured authentication methods failed`);
  });

  it('reports the loss of the connection once', async () => {
    // A relay stands in for the port-forward: cutting it is what a lost connection looks like.
    const relayed: net.Socket[] = [];
    const relay = net.createServer((client) => {
      const upstream = net.connect(sshdPort, '127.0.0.1');
      relayed.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as net.AddressInfo).port;
    const tunnel = await SshTunnel.connect({
      host: '127.0.0.1', port: relayPort, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000 });
    const reasons: string[] = [];
    tunnel.on('lost', (why: string) => reasons.push(why));
    const lost = new Promise((r) => tunnel.once('lost', r));
    for (const s of relayed) s.destroy();
    relay.close();
    await lost;
    await new Promise((r) => setTimeout(r, 100));
    expect(reasons).to.have.length(1);
  });
});
