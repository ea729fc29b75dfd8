// --to-pod's listeners with a tunnel whose streams are loopback connections to a stand-in for the
// pod's localhost (the real tunnel is in the e2e test): bytes cross both ways, the pod refusing closes
// the connection here, a port taken here is a one-line error naming it, close() stops listening.
import { expect } from 'chai';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { listenToPod } from '../../../src/inbound/to-pod.js';
import { freePort } from '../../helpers/ports.js';
import { roundTrip } from '../../helpers/round-trip.js';

describe('--to-pod listeners', () => {
  let pod: net.Server;
  let podPort: number;
  const asked: number[] = [];
  /** "localhost:PORT in the pod" is the stand-in for every port; a port ending in 7 refuses. */
  const tunnel = {
    openStream: (host: string, port: number) => new Promise<Duplex>((resolve, reject) => {
      asked.push(port);
      if (port % 10 === 7) return reject(new Error('Connection refused'));
      const s = net.connect(podPort, host, () => resolve(s));
      s.on('error', reject);
    }),
  };

  before(async () => {
    pod = net.createServer((s) => s.on('data', (d: Buffer) => s.write(`pod got ${d.toString()}`)).on('end', () => s.end()));
    await new Promise<void>((r) => pod.listen(0, '127.0.0.1', r));
    podPort = (pod.address() as net.AddressInfo).port;
  });
  after(() => pod.close());

  it('carries bytes both ways to localhost:PORT in the pod, and close() stops listening', async () => {
    let port = await freePort();
    while (port % 10 === 7) port = await freePort(); // those the stand-in refuses
    const logged: string[] = [];
    const listeners = await listenToPod(tunnel, [port], (l) => logged.push(l));
    try {
      expect(await roundTrip(port, 'hello')).to.equal('pod got hello');
      expect(asked.at(-1)).to.equal(port);
    } finally {
      await listeners.close();
    }
    expect(await roundTrip(port, 'again')).to.equal('error ECONNREFUSED');
    expect(logged).to.deep.equal([]);
  });

  it('a port the pod refuses: the connection here is closed at once, and the log says so', async () => {
    let port = await freePort();
    while (port % 10 !== 7) port = await freePort();
    const logged: string[] = [];
    const listeners = await listenToPod(tunnel, [port], (l) => logged.push(l));
    try {
      expect(await roundTrip(port, 'x')).to.equal('');
      expect(logged).to.deep.equal([`to-pod: localhost:${port} in the proxy pod refused a connection (Connection refused); closed it here`]);
    } finally {
      await listeners.close();
    }
  });

  it('a port taken here: one line naming it, and the listeners made before it are closed', async () => {
    const [first, taken] = [await freePort(), await freePort()];
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(taken, '127.0.0.1', r));
    try {
      const message = await listenToPod(tunnel, [first, taken], () => undefined).then(() => 'listening', (err: Error) => err.message);
      expect(message).to.equal(`--to-pod ${taken}: port ${taken} is already in use on this workstation (127.0.0.1); stop what listens there or choose another port`);
      expect(await roundTrip(first, 'x')).to.equal('error ECONNREFUSED');
    } finally {
      holder.close();
    }
  });
});
