// The --proxy-via relay client (src/tunnel/relay-client.ts) against the real relay program on loopback:
// the streams it opens are plain TCP here (the tunnel's openStream in a session). Its wire: the secret,
// CONNECT, RESOLVE and RESOLVE_PTR; one-line errors naming the workload; a handshake timeout; and the
// keep-alive that holds the relay past its idle exit and comes back when the relay drops it.
import { expect } from 'chai';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { RELAY_SOCKS_USER } from '../../../src/protocol/index.js';
import { RelayClient, type RelayClientOptions } from '../../../src/tunnel/relay-client.js';
import { waitFor } from '../../helpers/poll.js';
import { startRelay, useRelayWithEcho } from '../../helpers/relay-program.js';

const SECRET = 'the-session-secret-0123456789';

/** Loopback streams, counted, in place of the tunnel's. */
function loopback(): { openStream: RelayClientOptions['openStream']; opened: net.Socket[] } {
  const opened: net.Socket[] = [];
  return {
    opened,
    openStream: (host, port) => new Promise<Duplex>((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(s));
      opened.push(s);
      s.once('error', reject);
    }),
  };
}

function client(port: number, over: Partial<RelayClientOptions> = {}): RelayClient {
  return new RelayClient({
    openStream: loopback().openStream, secret: SECRET, keepAlive: false,
    relay: { workload: 'Deployment client-app', podName: 'client-app-7c9d-x2x4q', podIp: '127.0.0.1', port, username: RELAY_SOCKS_USER },
    ...over,
  });
}

function readAll(stream: Duplex, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    stream.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= n) resolve(got);
    });
    stream.once('error', reject);
  });
}

describe('tunnel: the --proxy-via relay client against the relay program', function () {
  this.timeout(20_000);
  // Answers with the caller's address first, then echoes: the stream's source is the relay's.
  const rig = useRelayWithEcho(SECRET, 'tp-relay-client-', (s) => {
    s.write(`from ${s.remoteAddress}\n`);
    s.pipe(s);
  });

  it('connect() gives a stream to a loopback listener of the relay\'s network, bytes both ways', async () => {
    const c = client(rig.relay.port);
    const stream = await c.connect('127.0.0.5', rig.echoPort);
    stream.write('ping');
    expect(await readAll(stream, 'from 127.0.0.1\nping'.length)).to.equal('from 127.0.0.1\nping'); // the relay's own source address
    stream.destroy();
    expect(rig.relay.output()).to.include(`socks: connect 127.0.0.5:${rig.echoPort} -> 0 127.0.0.5:${rig.echoPort}\n`);
  });

  it('resolve() answers with the relay\'s resolver, [] for a name it does not know; resolvePtr() the name or null', async () => {
    const c = client(rig.relay.port);
    expect(await c.resolve('localhost')).to.deep.equal(['127.0.0.1']);
    expect(await c.resolve('no-such-name.invalid')).to.deep.equal([]);
    expect(await c.resolvePtr('127.0.0.1')).to.equal('localhost');
    expect(await c.resolvePtr('192.0.2.77')).to.equal(null);
  });

  it('one line naming the pod and the workload: a refused CONNECT, a wrong secret, a relay that says nothing', async () => {
    const closed = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.5', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const err = await client(rig.relay.port).connect('127.0.0.5', closed).then(() => null, (e: Error) => e);
    expect(err?.message).to.equal(`--proxy-via: the relay in pod client-app-7c9d-x2x4q (Deployment client-app) answered CONNECT 127.0.0.5:${closed}: connection refused (SOCKS reply 5)`);

    const wrong = await client(rig.relay.port, { secret: `${SECRET}-not` }).resolve('localhost').then(() => null, (e: Error) => e);
    expect(wrong?.message).to.equal(`--proxy-via: the relay in pod client-app-7c9d-x2x4q (Deployment client-app) refused the session's secret (RESOLVE localhost): is another session's relay on 127.0.0.1:${rig.relay.port}?`);

    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const timedOut = await client((silent.address() as net.AddressInfo).port, { timeoutMs: 400 }).connect('127.0.0.5', rig.echoPort).then(() => null, (e: Error) => e);
      expect(timedOut?.message).to.equal(`--proxy-via: the relay in pod client-app-7c9d-x2x4q (Deployment client-app) did not answer CONNECT 127.0.0.5:${rig.echoPort} within 400 ms`);
      expect(Date.now() - started).to.be.within(350, 2000);
    } finally {
      silent.close();
    }
  });

  it('the keep-alive holds the relay past its idle time, comes back when dropped, and close() lets the relay exit', async () => {
    const short = await startRelay(SECRET, 1, rig.dir);
    const streams = loopback();
    const c = client(short.port, { openStream: streams.openStream, keepAlive: true, keepAliveRetryMs: 50 });
    try {
      await waitFor('the keep-alive', 2000, () => (streams.opened.length === 1 && streams.opened[0]!.readyState === 'open' ? true : undefined), 10);
      await new Promise((r) => setTimeout(r, 2500)); // longer than the relay's idle time: the point of this test
      expect(short.process.exitCode).to.equal(null);
      streams.opened[0]!.destroy(); // as a lost tunnel would
      await waitFor('a second keep-alive', 2000, () => (streams.opened.length === 2 ? true : undefined), 10);
      await new Promise((r) => setTimeout(r, 1500));
      expect(short.process.exitCode).to.equal(null);
      expect(await c.resolve('localhost')).to.deep.equal(['127.0.0.1']);
      c.close();
      const closed = Date.now();
      const r = await short.process;
      expect(r.exitCode).to.equal(0);
      expect(Date.now() - closed).to.be.within(500, 3000);
      expect(short.output()).to.match(/relay stopping: no connection for 1 s\n$/);
      expect(streams.opened.length).to.equal(3); // two keep-alives and the RESOLVE: none re-opened after close()
    } finally {
      c.close();
      short.process.kill('SIGKILL');
    }
  });
});
