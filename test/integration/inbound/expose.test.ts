// --expose against a real OpenSSH sshd on loopback (standing in for the proxy pod's): a connection to
// the remote port reaches the local server and carries bytes both ways with half-close; one that finds
// no local listener ends at once; close() stops the remote listeners; a port that cannot be had fails
// the whole call and leaves none of the others listening.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { execa } from 'execa';
import { exposePorts } from '../../../src/inbound/expose.js';
import { dialInNetns } from '../../../src/inbound/netns.js';
import { tcpSocketInNetns } from '../../../src/vif/tun.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { startTestSshd, type TestSshd } from '../helpers/sshd.js';
import { freePort } from '../../helpers/ports.js';


/** Connects to port, writes `payload`, half-closes; resolves with what came back before the close and how long it took. */
function exchange(port: number, payload: Buffer): Promise<{ got: Buffer; ms: number; error?: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.end(payload));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ got: Buffer.concat(chunks), ms: Date.now() - started, error: err.code }));
    s.on('close', () => resolve({ got: Buffer.concat(chunks), ms: Date.now() - started }));
  });
}

describe('--expose: SSH remote forwards to local ports (real sshd on 127.0.0.1)', function () {
  this.timeout(30_000);
  const key = generateSessionKey('expose-test');
  let sshd: TestSshd;
  let tunnel: SshTunnel;
  let local: net.Server;
  let localPort: number;

  before(async () => {
    sshd = await startTestSshd(key.publicKey);
    tunnel = await SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000 });
    // The "user's server": answers with the length it read, after the client half-closed.
    local = net.createServer((s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(`read ${n} bytes`));
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    localPort = (local.address() as net.AddressInfo).port;
  });

  after(async () => {
    tunnel?.close();
    local?.close();
    await sshd?.stop();
  });

  it('a connection to the remote port reaches 127.0.0.1:PORT here; 4 MB cross with half-close; close() stops the listener', async () => {
    const remote = await freePort();
    const logged: string[] = [];
    const exposed = await exposePorts(tunnel, [{ workstationPort: localPort, podPort: remote }], (l) => logged.push(l));
    const r = await exchange(remote, Buffer.alloc(4 * 2 ** 20, 1));
    expect([r.got.toString(), r.error]).to.deep.equal([`read ${4 * 2 ** 20} bytes`, undefined]);
    expect(exposed.counts).to.deep.equal({ accepted: 1, refused: 0 });
    await exposed.close();
    expect((await exchange(remote, Buffer.from('x'))).error).to.equal('ECONNREFUSED');
    expect(logged).to.deep.equal([]);
  });

  it('with nothing listening here the cluster client\'s connection ends at once, with no bytes, and the log says why', async () => {
    const [remote, nothing] = [await freePort(), await freePort()];
    const logged: string[] = [];
    const exposed = await exposePorts(tunnel, [{ workstationPort: nothing, podPort: remote }], (l) => logged.push(l));
    try {
      const r = await exchange(remote, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
      expect(r.got.length).to.equal(0);
      expect(r.ms).to.be.below(1000);
      expect(exposed.counts).to.deep.equal({ accepted: 0, refused: 1 });
      expect(logged).to.deep.equal([`expose: a connection to port ${remote} of the proxy pod found nothing on localhost:${nothing} here (ECONNREFUSED); closed it`]);
    } finally {
      await exposed.close();
    }
  });

  it('a 16 MB answer that the local server ends at once reaches a client that reads late, whole', async () => {
    // The server writes everything and closes before the channel can send it: what waits for sshd's window
    // (the client does not read for 300 ms) must still go out before the channel's end.
    const big = 16 * 2 ** 20;
    const sender = net.createServer((s) => s.end(Buffer.alloc(big, 7)));
    await new Promise<void>((r) => sender.listen(0, '127.0.0.1', r));
    const remote = await freePort();
    const exposed = await exposePorts(tunnel, [{ workstationPort: (sender.address() as net.AddressInfo).port, podPort: remote }], () => undefined);
    try {
      const got = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const s = net.connect(remote, '127.0.0.1', () => {
          s.pause();
          setTimeout(() => s.resume(), 300);
        });
        s.on('data', (d: Buffer) => (n += d.length));
        s.on('error', reject);
        s.on('close', () => resolve(n));
      });
      expect(got).to.equal(big);
    } finally {
      await exposed.close();
      sender.close();
    }
  });

  it('with a dialer, connections go where it dials (a network namespace\'s 127.0.0.1), and a refusal there is logged with `where`', async () => {
    const ns = `tp-nsin-${randomBytes(3).toString('hex')}`;
    await execa('ip', ['netns', 'add', ns]);
    const inNs = net.createServer({ allowHalfOpen: true }, (s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(`netns read ${n} bytes`));
    });
    try {
      await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // A server on the namespace's 127.0.0.1 only; localPort (the host's server) has nothing there.
      await new Promise<void>((r) => inNs.listen({ fd: tcpSocketInNetns(`/run/netns/${ns}`, '127.0.0.1', 0) }, r));
      const nsPort = (inNs.address() as net.AddressInfo).port;
      const [r1, r2] = [await freePort(), await freePort()];
      const logged: string[] = [];
      const exposed = await exposePorts(tunnel, [{ workstationPort: nsPort, podPort: r1 }, { workstationPort: localPort, podPort: r2 }], (l) => logged.push(l),
        { dial: (port) => dialInNetns(`/run/netns/${ns}`, port), where: "in the container's network namespace" });
      try {
        const r = await exchange(r1, Buffer.alloc(2 ** 20, 3));
        expect([r.got.toString(), r.error]).to.deep.equal([`netns read ${2 ** 20} bytes`, undefined]);
        expect((await exchange(r2, Buffer.from('x'))).got.length).to.equal(0);
        expect(exposed.counts).to.deep.equal({ accepted: 1, refused: 1 });
        expect(logged).to.deep.equal([`expose: a connection to port ${r2} of the proxy pod found nothing on port ${localPort} in the container's network namespace (ECONNREFUSED); closed it`]);
      } finally {
        await exposed.close();
      }
    } finally {
      inNs.close();
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
  });

  it('a remote port that is taken fails the call, and the forwards made before it are stopped', async () => {
    const [first, taken] = [await freePort(), await freePort()];
    // sshd binds "localhost" (GatewayPorts no): both loopback addresses must be taken.
    const holders = [net.createServer(), net.createServer()];
    await Promise.all(holders.map((h, i) => new Promise<void>((r) => h.listen(taken, i === 0 ? '127.0.0.1' : '::1', r))));
    try {
      const failure = await exposePorts(tunnel, [{ workstationPort: localPort, podPort: first }, { workstationPort: localPort, podPort: taken }], () => undefined)
        .then(() => 'exposed', (err: Error) => err.message);
      expect(failure).to.equal(`cannot listen on 0.0.0.0:${taken} in the proxy pod: Unable to bind to 0.0.0.0:${taken}`);
      expect((await exchange(first, Buffer.from('x'))).error).to.equal('ECONNREFUSED');
    } finally {
      holders.forEach((h) => h.close());
    }
  });
});
