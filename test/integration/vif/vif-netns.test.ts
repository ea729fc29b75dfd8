// startVif({ netns }) from the host process (root, real TUN): a TCP client inside a test namespace
// reaches a server on the host's loopback through the VIF, whose TUN, routes and listener live in
// that namespace; the host's links and routes stay as they were. Nothing leaves the machine.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { expect } from 'chai';
import { execa } from 'execa';
import { UndoStack } from '../../../src/session/undo.js';
import { startVif, type Vif } from '../../../src/vif/index.js';

const NS = `tp-test-${randomBytes(3).toString('hex')}`;
const NS_PATH = `/run/netns/${NS}`;
const ip = async (args: string[]) => String((await execa('ip', args)).stdout);

describe(`VIF: startVif({ netns }) with its TUN and listener in another namespace (root, netns ${NS})`, function () {
  this.timeout(30000);
  const undo = new UndoStack();
  const dials: string[] = [];
  let server: net.Server;
  let vif: Vif;
  let hostRoutes = '';
  let hostLinks = '';

  before(async () => {
    await execa('ip', ['netns', 'add', NS]);
    await execa('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // The "cluster": a server on the host's loopback, which the namespace cannot reach by itself.
    server = net.createServer((s) => s.once('data', (d) => s.end(`pong to ${d.toString()}`)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const connect = (destIp: string, destPort: number): Promise<Duplex> => {
      dials.push(`${destIp}:${destPort}`);
      return new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        s.once('connect', () => resolve(s)).once('error', reject);
      });
    };
    hostRoutes = await ip(['route', 'show', 'table', 'all']);
    hostLinks = await ip(['-o', 'link', 'show']);
    vif = await startVif({ netns: NS_PATH, name: 'tpnv0', mtu: 1500, address: '198.19.8.1/24', routes: ['10.251.0.0/16'], connect, undo });
  });

  after(async () => {
    await undo.unwind();
    server?.close();
    await execa('ip', ['netns', 'del', NS], { reject: false });
  });

  it('puts the TUN and its routes in the namespace only', async () => {
    expect(vif.name).to.equal('tpnv0');
    expect(await ip(['-n', NS, 'route', 'show'])).to.equal(
      ['10.251.0.0/16 dev tpnv0 scope link ', '198.19.8.0/24 dev tpnv0 proto kernel scope link src 198.19.8.1 '].join('\n'),
    );
    expect(await ip(['route', 'show', 'table', 'all'])).to.equal(hostRoutes);
    expect(await ip(['-o', 'link', 'show'])).to.equal(hostLinks);
  });

  it('has the listener in the namespace, not on the host', async () => {
    const inNs = await execa('ip', ['netns', 'exec', NS, 'ss', '-Htln']);
    expect(String(inNs.stdout)).to.include(`198.19.8.1:${vif.listenPort} `);
    expect(String((await execa('ss', ['-Htln'])).stdout)).not.to.include(`198.19.8.1:${vif.listenPort}`);
  });

  it('a TCP client in the namespace reaches the host-side server through the connector', async () => {
    const client = `const s = require('net').connect(8080, '10.251.0.5', () => s.write('10.251.0.5:8080'));
      let got = ''; s.on('data', (d) => (got += d)); s.on('end', () => { console.log(got); process.exit(0); });
      s.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });`;
    const r = await execa('ip', ['netns', 'exec', NS, process.execPath, '-e', client], { reject: false, timeout: 10000 });
    expect([r.exitCode, String(r.stdout)]).to.deep.equal([0, 'pong to 10.251.0.5:8080']);
    expect(dials).to.deep.equal(['10.251.0.5:8080']);
  });

  it('teardown removes the device from the namespace', async () => {
    expect(await undo.unwind()).to.deep.equal([]);
    expect(await ip(['-n', NS, '-o', 'link', 'show'])).not.to.include('tpnv0:');
  });
});
