// The SSH tunnel against a real OpenSSH sshd on loopback: per-session key accepted, another key
// refused, bytes cross a direct-tcpip stream both ways, and the loss of sshd is reported.
import { expect } from 'chai';
import net from 'node:net';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { startTestSshd, type TestSshd } from '../helpers/sshd.js';

describe('SSH tunnel (real sshd on 127.0.0.1)', function () {
  this.timeout(30000);
  const key = generateSessionKey('test');
  let sshd: TestSshd;
  let sshdPort: number;
  let echo: net.Server;
  let echoPort: number;

  before(async () => {
    sshd = await startTestSshd(key.publicKey);
    sshdPort = sshd.port;
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  after(async () => {
    echo?.close();
    await sshd?.stop();
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
