// The SSH tunnel against a real OpenSSH sshd on loopback: per-session key accepted, another key
// refused, bytes cross a direct-tcpip stream both ways, remote forwards dispatch by their bound port,
// and the loss of sshd is reported.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
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

  it('offers the session key at once: no "none" attempt before it (one round trip less)', async () => {
    const logged = await startTestSshd(key.publicKey, { logLevel: 'DEBUG1' });
    try {
      const tunnel = await SshTunnel.connect({ host: '127.0.0.1', port: logged.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000 });
      tunnel.close();
      const methods = [...readFileSync(logged.logFile, 'utf8').matchAll(/userauth-request for user root service ssh-connection method (\S+)/g)].map((m) => m[1]);
      // ssh2's own order sends 'none' first: ['none', 'publickey', 'publickey'].
      expect(methods).to.deep.equal(['publickey', 'publickey']);
    } finally {
      await logged.stop();
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

  describe('remote forwards (sshd listens on 127.0.0.1, as in the pod)', () => {
    /** Connects to 127.0.0.1:port as a process in the pod would, sends `text`, half-closes, returns what came back. */
    const ask = (port: number, text: string) => new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.end(text);
    });
    /** A handler that answers `<tag>:<what it read>` and records each connection. */
    const answering = (tag: string, seen: string[]) => (stream: Duplex) => {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        seen.push(text);
        stream.end(`${tag}:${text}`);
      });
    };
    const withTunnel = async (test: (tunnel: SshTunnel) => Promise<void>) => {
      const tunnel = await connect(key.privateKey);
      try {
        await test(tunnel);
      } finally {
        tunnel.close();
      }
    };

    it('two forwards at once each get their own connections, a fixed port and port 0 alike', () => withTunnel(async (tunnel) => {
      // A fixed port that is free: one sshd picked, released again.
      const picked = await tunnel.forwardIn('127.0.0.1', 0, () => undefined);
      await picked.cancel();
      const fixedPort = picked.port;
      const seenA: string[] = [];
      const seenB: string[] = [];
      const a = await tunnel.forwardIn('127.0.0.1', fixedPort, answering('A', seenA));
      const b = await tunnel.forwardIn('127.0.0.1', 0, answering('B', seenB));
      expect(a.port).to.equal(fixedPort);
      expect(b.port).to.be.within(1, 65535);
      expect(b.port).to.not.equal(fixedPort);
      const answers = await Promise.all([ask(a.port, 'one'), ask(b.port, 'two'), ask(a.port, 'three'), ask(b.port, 'four')]);
      expect(answers).to.deep.equal(['A:one', 'B:two', 'A:three', 'B:four']);
      expect(seenA.sort()).to.deep.equal(['one', 'three']);
      expect(seenB.sort()).to.deep.equal(['four', 'two']);
    }));

    it('after cancel() the port in the pod refuses connections, and the port can be forwarded again', () => withTunnel(async (tunnel) => {
      const seen: string[] = [];
      const forward = await tunnel.forwardIn('127.0.0.1', 0, answering('F', seen));
      expect(await ask(forward.port, 'before')).to.equal('F:before');
      await forward.cancel();
      let code = '';
      await ask(forward.port, 'after').catch((err: NodeJS.ErrnoException) => { code = err.code ?? err.message; });
      expect(code).to.equal('ECONNREFUSED');
      expect(seen).to.deep.equal(['before']);
      const again = await tunnel.forwardIn('127.0.0.1', forward.port, answering('G', seen));
      expect(await ask(again.port, 'again')).to.equal('G:again');
    }));

    it('rejects a connection for a port it has no handler for (sshd closes or resets it), instead of handing it to another forward', () => withTunnel(async (tunnel) => {
      const seen: string[] = [];
      const ours = await tunnel.forwardIn('127.0.0.1', 0, answering('OURS', seen));
      // A listener sshd keeps for this connection that no forwardIn() registered: what a connection
      // racing a cancel() meets, made deterministic through the raw ssh2 client.
      const raw = (tunnel as unknown as { client: ssh2.Client }).client;
      const strayPort = await new Promise<number>((resolve, reject) =>
        raw.forwardIn('127.0.0.1', 0, (err, port) => (err ? reject(err) : resolve(port))));
      expect(strayPort).to.not.equal(ours.port);
      // sshd closes the rejected connection: a reset when our bytes were already in it, else a bare
      // close — never an answer.
      const outcome = await ask(strayPort, 'stray').then((text) => `answered "${text}"`, (err: NodeJS.ErrnoException) => err.code ?? err.message);
      expect(['ECONNRESET', 'answered ""']).to.include(outcome);
      expect(seen).to.deep.equal([]);
      // The tunnel is still fine, and so is our forward.
      expect(await ask(ours.port, 'fine')).to.equal('OURS:fine');
      expect(seen).to.deep.equal(['fine']);
    }));

    it('refuses a second forward of a port it already forwards, naming it', () => withTunnel(async (tunnel) => {
      const first = await tunnel.forwardIn('127.0.0.1', 0, () => undefined);
      let message = '';
      await tunnel.forwardIn('127.0.0.1', first.port, () => undefined).catch((err: Error) => { message = err.message; });
      expect(message).to.equal(`port ${first.port} in the proxy pod is already forwarded to this workstation`);
    }));

    it('cancel() after the connection closed resolves: the forwards went with it', async () => {
      const tunnel = await connect(key.privateKey);
      const forward = await tunnel.forwardIn('127.0.0.1', 0, () => undefined);
      tunnel.close();
      await forward.cancel();
    });
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
