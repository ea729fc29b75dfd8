// The container method's inbound pieces against a real network namespace of the test's own (root; only its
// loopback is up, so nothing leaves the machine): dialInNetns reaches a server bound to the namespace's
// 127.0.0.1 and not the host's, forwardContainerToHost lets a client in the namespace reach a host server.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { HostError } from '../../../src/errors.js';
import { dialInNetns, forwardContainerToHost, type ContainerToHost } from '../../../src/inbound/netns.js';
import { waitFor } from '../../helpers/poll.js';
import { freePort } from '../../helpers/ports.js';

const NS = `tp-nsin-${randomBytes(3).toString('hex')}`;
const NS_PATH = `/run/netns/${NS}`;
const MB4 = 4 * 2 ** 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An echo server inside the namespace on its 127.0.0.1, with half-close: it ends after the client's end. */
const ECHO = `const s = require('net').createServer({ allowHalfOpen: true }, (c) => c.pipe(c));
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

/** A client inside the namespace: sends `bytes` bytes of 'x' to 127.0.0.1:port, half-closes, prints what came back (JSON). */
const client = (port: number, bytes: number) => `const c = require('net').connect({ port: ${port}, host: '127.0.0.1', allowHalfOpen: true }, () => c.end('x'.repeat(${bytes})));
const got = []; const t0 = Date.now();
c.on('data', (d) => got.push(d)); c.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
c.on('end', () => console.log(JSON.stringify({ body: Buffer.concat(got).toString(), ms: Date.now() - t0 })));`;

async function inNs(script: string): Promise<{ body?: string; error?: string; ms?: number }> {
  const r = await execa('ip', ['netns', 'exec', NS, process.execPath, '-e', script], { reject: false, timeout: 20_000 });
  if (r.exitCode !== 0) throw new Error(`the client in ${NS} failed: ${r.stderr}`);
  return JSON.parse(String(r.stdout)) as { body?: string; error?: string; ms?: number };
}

/** The TCP listeners in the namespace on `port` (ss -ltn's local addresses). */
async function listenersInNs(port: number): Promise<string[]> {
  const out = String((await execa('ip', ['netns', 'exec', NS, 'ss', '-Hltn', `sport = :${port}`])).stdout);
  return out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[3]);
}

/** Dials, writes `payload`, half-closes; resolves with what came back before the end, or the error. */
function exchange(socket: net.Socket, payload: Buffer): Promise<{ got: Buffer; connected: boolean; error?: Error & { code?: string } }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let connected = false;
    socket.on('connect', () => { connected = true; socket.end(payload); });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (error: Error) => resolve({ got: Buffer.concat(chunks), connected, error }));
    socket.on('close', () => resolve({ got: Buffer.concat(chunks), connected }));
  });
}

describe(`inbound in another network namespace: dialInNetns, forwardContainerToHost (root, netns ${NS})`, function () {
  this.timeout(30_000);
  let echo: ResultPromise;
  let echoPort: number;
  const hostServers: net.Server[] = [];

  /** A server on the host's 127.0.0.1 that answers, after the client's end, how many bytes it read. */
  async function hostCounter(): Promise<number> {
    const s = net.createServer({ allowHalfOpen: true }, (c) => {
      let n = 0;
      c.on('data', (d: Buffer) => (n += d.length));
      c.on('end', () => c.end(`host read ${n} bytes`));
    });
    hostServers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as net.AddressInfo).port;
  }

  before(async () => {
    await execa('ip', ['netns', 'add', NS]);
    await execa('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    echo = execa('ip', ['netns', 'exec', NS, process.execPath, '-e', ECHO], { reject: false, buffer: false });
    echoPort = await new Promise<number>((resolve, reject) => {
      echo.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      void echo.then((r) => reject(new Error(`the echo server in ${NS} exited: ${r.stderr}`)));
    });
  });

  after(async () => {
    echo?.kill('SIGKILL');
    await echo;
    hostServers.forEach((s) => s.close());
    await execa('ip', ['netns', 'del', NS], { reject: false });
    expect(String((await execa('ip', ['netns', 'list'])).stdout)).not.to.include(NS);
  });

  describe('dialInNetns', () => {
    it('reaches a server bound to the namespace\'s 127.0.0.1 (the host\'s 127.0.0.1 has none there); 4 MB cross each way with half-close', async () => {
      expect((await exchange(net.connect(echoPort, '127.0.0.1'), Buffer.from('x'))).error?.code).to.equal('ECONNREFUSED');
      const payload = randomBytes(MB4);
      const r = await exchange(dialInNetns(NS_PATH, echoPort), payload);
      // The echo server ends only after our end, so all 4 MB came back after we half-closed.
      expect([r.connected, r.error, r.got.length, sha(r.got)]).to.deep.equal([true, undefined, MB4, sha(payload)]);
    });

    it('a port with nothing listening in the namespace (but a server on the host\'s) gives ECONNREFUSED', async () => {
      const hostPort = await hostCounter();
      const r = await exchange(dialInNetns(NS_PATH, hostPort), Buffer.from('x'));
      expect([r.connected, r.error?.code, r.got.length]).to.deep.equal([false, 'ECONNREFUSED', 0]);
    });

    it('a namespace path that does not exist: an \'error\' event with one HostError line naming it, then \'close\'', async () => {
      const missing = `/run/netns/${NS}-missing`;
      const socket = dialInNetns(missing, 8080);
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      const r = await exchange(socket, Buffer.from('x'));
      await closed;
      expect(r.error).to.be.instanceOf(HostError);
      expect(r.error!.message).to.equal(`cannot connect to 127.0.0.1:8080 in the network namespace ${missing} (open ${missing}: No such file or directory): it needs root (CAP_SYS_ADMIN) and a network namespace file such as /run/netns/NAME or /proc/PID/ns/net that still exists`);
      expect((r.error as HostError).category).to.equal('host');
    });
  });

  describe('forwardContainerToHost', () => {
    let fwd: ContainerToHost | undefined;
    afterEach(async () => {
      await fwd?.close();
      fwd = undefined;
    });

    it('a client in the namespace reaches the host\'s 127.0.0.1:HPORT at 127.0.0.1:CPORT, with half-close; the listener is on 127.0.0.1 only', async () => {
      const [cport, hport] = [await freePort(), await hostCounter()];
      const logged: string[] = [];
      fwd = await forwardContainerToHost(NS_PATH, [{ containerPort: cport, hostPort: hport }], (l) => logged.push(l));
      expect(await listenersInNs(cport)).to.deep.equal([`127.0.0.1:${cport}`]);
      expect((await inNs(client(cport, MB4))).body).to.equal(`host read ${MB4} bytes`);
      expect([fwd.counts, logged]).to.deep.equal([{ accepted: 1, refused: 0 }, []]);
    });

    it('a host port with nothing listening: the container\'s connection ends at once with no bytes, and one log line', async () => {
      const [cport, hport] = [await freePort(), await freePort()];
      const logged: string[] = [];
      fwd = await forwardContainerToHost(NS_PATH, [{ containerPort: cport, hostPort: hport }], (l) => logged.push(l));
      // No bytes from the client: unread bytes would turn the close into a reset.
      const r = await inNs(client(cport, 0));
      expect(r.body).to.equal('');
      expect(r.ms).to.be.below(1000);
      expect(fwd.counts).to.deep.equal({ accepted: 0, refused: 1 });
      expect(logged).to.deep.equal([`container-to-host: a connection to localhost:${cport} in the container found nothing on 127.0.0.1:${hport} on the workstation (ECONNREFUSED); closed it`]);
    });

    it('a CONTAINER_PORT taken in the namespace: one HostError naming the port and the namespace, and no listener of the call is left', async () => {
      const [first, hport] = [await freePort(), await hostCounter()];
      const failure = await forwardContainerToHost(NS_PATH, [{ containerPort: first, hostPort: hport }, { containerPort: echoPort, hostPort: hport }], () => undefined)
        .then(() => null, (err: Error) => err);
      expect(failure).to.be.instanceOf(HostError);
      expect(failure!.message).to.equal(`--container-to-host ${echoPort}:${hport}: port ${echoPort} is already taken on 127.0.0.1 in the network namespace ${NS_PATH}; pick a CONTAINER_PORT that nothing in the container listens on`);
      expect(await listenersInNs(first)).to.deep.equal([]);
      // The echo server still has its port.
      const r = await exchange(dialInNetns(NS_PATH, echoPort), Buffer.from('still mine'));
      expect(r.got.toString()).to.equal('still mine');
    });

    it('a CONTAINER_PORT given twice: a UsageError saying so (not "taken"), and no listener left', async () => {
      const [cport, hport] = [await freePort(), await hostCounter()];
      const failure = await forwardContainerToHost(NS_PATH, [{ containerPort: cport, hostPort: hport }, { containerPort: cport, hostPort: hport + 1 }], () => undefined)
        .then(() => null, (err: Error) => err);
      expect([failure?.name, failure?.message]).to.deep.equal(['UsageError', `--container-to-host ${cport}:${hport + 1}: container port ${cport} is given twice; give each CONTAINER_PORT once`]);
      expect(await listenersInNs(cport)).to.deep.equal([]);
    });

    it('close() frees CONTAINER_PORT: nothing listens there, a client is refused, and the port can be had again', async () => {
      const [cport, hport] = [await freePort(), await hostCounter()];
      fwd = await forwardContainerToHost(NS_PATH, [{ containerPort: cport, hostPort: hport }], () => undefined);
      expect(await listenersInNs(cport)).to.deep.equal([`127.0.0.1:${cport}`]);
      await fwd.close();
      await waitFor(`no listener on ${cport} in ${NS}`, 5000, async () => ((await listenersInNs(cport)).length === 0 ? true : undefined), 20);
      expect((await inNs(client(cport, 1))).error).to.equal('ECONNREFUSED');
      fwd = await forwardContainerToHost(NS_PATH, [{ containerPort: cport, hostPort: hport }], () => undefined);
      expect((await inNs(client(cport, 3))).body).to.equal('host read 3 bytes');
    });
  });
});
