// A TUN opened from the host process inside another network namespace (root, real TUN): the device
// and its routes exist only in the namespace, packets sent there are read from the fd here, packets
// written here arrive there, and the failures name the namespace path and the errno text. The
// namespace holds only lo and the TUN, so nothing leaves the machine.
import { randomBytes } from 'node:crypto';
import { closeSync } from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { HostError } from '../../../src/errors.js';
import { UndoStack } from '../../../src/session/undo.js';
import { configureDevice, netnsIpRunner } from '../../../src/vif/device.js';
import { buildUdp, ipv4ToInt, parseIpv4, PROTO_TCP, PROTO_UDP, TCP_SYN } from '../../../src/vif/ipv4.js';
import { openTunInNetns, tcpSocketInNetns, type TunDevice } from '../../../src/vif/tun.js';
import { waitFor } from '../../helpers/poll.js';

const NS = `tp-test-${randomBytes(3).toString('hex')}`;
const NS_PATH = `/run/netns/${NS}`;
const DEV = 'tpnt0';
const ip = async (args: string[]) => String((await execa('ip', args)).stdout);

describe(`VIF: a TUN opened inside another network namespace (root, netns ${NS})`, function () {
  this.timeout(30000);
  let tun: TunDevice | null = null;
  const undo = new UndoStack();
  const packets: Buffer[] = [];

  before(async () => {
    await execa('ip', ['netns', 'add', NS]);
    await execa('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  });

  after(async () => {
    await undo.unwind();
    tun?.close();
    await execa('ip', ['netns', 'del', NS], { reject: false });
  });

  it('creates the device in the namespace only', async () => {
    tun = openTunInNetns(NS_PATH, DEV, 1500);
    expect(tun.name).to.equal(DEV);
    expect(await ip(['-n', NS, '-o', 'link', 'show', DEV])).to.match(/^\d+: tpnt0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 /);
    expect(await ip(['-o', 'link', 'show'])).not.to.include(`${DEV}:`);
  });

  it('configures address and routes inside the namespace through netnsIpRunner; the host routes do not change', async () => {
    const hostRoutes = await ip(['route', 'show', 'table', 'all']);
    await configureDevice({ name: DEV, address: '198.19.7.1/24', routes: ['10.250.0.0/16'] }, undo, netnsIpRunner(NS_PATH));
    expect(await ip(['-n', NS, 'route', 'show'])).to.equal(
      ['10.250.0.0/16 dev tpnt0 scope link ', '198.19.7.0/24 dev tpnt0 proto kernel scope link src 198.19.7.1 '].join('\n'),
    );
    expect(await ip(['route', 'show', 'table', 'all'])).to.equal(hostRoutes);
  });

  it('reads from the fd here a UDP packet and a TCP SYN sent inside the namespace', async () => {
    tun!.start((buf, n) => void packets.push(Buffer.from(buf.subarray(0, n))));
    const send = `require('dgram').createSocket('udp4').send('hello from the netns', 9999, '10.250.1.2', (e) => process.exit(e ? 1 : 0))`;
    const sent = await execa('ip', ['netns', 'exec', NS, process.execPath, '-e', send], { reject: false });
    expect(sent.exitCode, sent.stderr).to.equal(0);
    const udp = await waitFor('the UDP packet on the TUN fd', 5000, () =>
      packets.map((b) => ({ b, p: parseIpv4(b, b.length) })).find(({ p }) => p?.proto === PROTO_UDP && p.dport === 9999),
    );
    expect(udp.p!.src).to.equal(ipv4ToInt('198.19.7.1'));
    expect(udp.p!.dst).to.equal(ipv4ToInt('10.250.1.2'));
    expect(udp.b.subarray(udp.p!.l4 + 8).toString()).to.equal('hello from the netns');

    // Nobody answers the SYN; it is what the VIF's redirect stack would read to start a connection.
    const connect = `require('net').connect(80, '10.250.3.4').on('error', () => {}); setInterval(() => {}, 1000)`;
    const dialling = execa('ip', ['netns', 'exec', NS, process.execPath, '-e', connect], { reject: false });
    const syn = await waitFor('the TCP SYN on the TUN fd', 5000, () =>
      packets.map((b) => parseIpv4(b, b.length)).find((p) => p?.proto === PROTO_TCP && p.dport === 80 && p.dst === ipv4ToInt('10.250.3.4')),
    );
    expect([syn!.src, syn!.flags & TCP_SYN]).to.deep.equal([ipv4ToInt('198.19.7.1'), TCP_SYN]);
    dialling.kill();
    await dialling;
  });

  it('delivers a packet written to the fd here to a socket inside the namespace', async () => {
    const listen = `const s = require('dgram').createSocket('udp4');
      s.on('message', (m, r) => { console.log(r.address + ':' + r.port + ' ' + m); process.exit(0); });
      s.bind(7777, '198.19.7.1', () => console.log('ready'));`;
    const server = execa('ip', ['netns', 'exec', NS, process.execPath, '-e', listen], { reject: false, buffer: false });
    const lines: string[] = [];
    readline.createInterface({ input: server.stdout! }).on('line', (l) => lines.push(l));
    await waitFor('the UDP listener in the namespace', 5000, () => (lines.includes('ready') ? true : undefined), 20);
    const packet = buildUdp(ipv4ToInt('10.250.1.2')!, 5353, ipv4ToInt('198.19.7.1')!, 7777, Buffer.from('hello from the host'));
    expect(tun!.write(packet)).to.equal(true);
    await waitFor('the message in the namespace', 5000, () => (lines.length > 1 ? true : undefined), 20);
    expect(lines[1]).to.equal('10.250.1.2:5353 hello from the host');
    server.kill();
    await server;
  });

  it("by a process's /proc/PID/ns/net (a container's namespace): opened and configured there through nsenter", async () => {
    // A process inside the namespace, as a container's would be; it waits on its stdin.
    const holder = execa('ip', ['netns', 'exec', NS, process.execPath, '-e', "process.stdin.on('data', () => {})"], { reject: false, stdin: 'pipe' });
    const nsOfPid = await waitFor('the holder process in the namespace', 5000, async () => {
      const pids = String((await execa('ip', ['netns', 'pids', NS])).stdout).split('\n').filter(Boolean);
      return pids.length > 0 ? `/proc/${pids[0]}/ns/net` : undefined;
    });
    const second = openTunInNetns(nsOfPid, 'tpnt1', 1400);
    try {
      const local = new UndoStack();
      await configureDevice({ name: 'tpnt1', address: '198.19.9.1/24', routes: [] }, local, netnsIpRunner(nsOfPid));
      expect(await ip(['-n', NS, '-o', '-4', 'addr', 'show', 'dev', 'tpnt1'])).to.match(/^\d+: tpnt1 +inet 198\.19\.9\.1\/24 scope global tpnt1/);
      expect(await ip(['-o', 'link', 'show'])).not.to.include('tpnt1:');
      expect(await local.unwind()).to.deep.equal([]);
    } finally {
      second.close();
      holder.kill();
      await holder;
    }
  });

  const failures: [string, string, string, RegExp][] = [
    ['a path that is not there', '/run/netns/tp-no-such-ns', DEV,
      /^cannot create the TUN device tpnt0 in the network namespace \/run\/netns\/tp-no-such-ns \(open \/run\/netns\/tp-no-such-ns: No such file or directory\): /],
    ['a file that is no network namespace', '/etc/hostname', DEV,
      /^cannot create the TUN device tpnt0 in the network namespace \/etc\/hostname \(setns \/etc\/hostname \(not a network namespace\?\): Invalid argument\): /],
    ['a namespace of another kind', '/proc/self/ns/uts', DEV,
      /^cannot create the TUN device tpnt0 in the network namespace \/proc\/self\/ns\/uts \(setns \/proc\/self\/ns\/uts \(not a network namespace\?\): Invalid argument\): /],
    ['a name already taken in the namespace', NS_PATH, DEV,
      new RegExp(`^cannot create the TUN device tpnt0 in the network namespace ${NS_PATH} \\(ioctl TUNSETIFF in ${NS_PATH}: Device or resource busy\\): `)],
  ];
  for (const [what, nsPath, name, message] of failures) {
    it(`fails with one line naming the path and the errno text: ${what}`, () => {
      let err: unknown = null;
      try {
        openTunInNetns(nsPath, name, 1500).close();
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(HostError);
      expect((err as HostError).message).to.match(message);
      expect((err as HostError).message).not.to.include('\n');
    });
  }

  it('fails with EPERM named for a process without CAP_SYS_ADMIN (the same call as root without capabilities)', async () => {
    const tunJs = fileURLToPath(new URL('../../../src/vif/tun.js', import.meta.url));
    const script = `import(${JSON.stringify(tunJs)}).then((m) => m.openTunInNetns(${JSON.stringify(NS_PATH)}, 'tpnt9', 1500)).catch((e) => console.log(e.message))`;
        // Root without capabilities (an empty bounding set), so the test's files stay readable wherever it runs.
    const r = await execa('setpriv', ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', process.execPath, '-e', script], { reject: false });
    expect(r.stdout).to.match(new RegExp(`^cannot create the TUN device tpnt9 in the network namespace ${NS_PATH} \\(setns ${NS_PATH}: Operation not permitted\\): `));
    expect(await ip(['-n', NS, '-o', 'link', 'show'])).not.to.include('tpnt9:');
  });

  it('tcpSocketInNetns: a socket bound inside the namespace; an address not there is named with its errno text', () => {
    const fd = tcpSocketInNetns(NS_PATH, '198.19.7.1', 0);
    expect(fd).to.be.above(2);
    closeSync(fd);
    let err: unknown = null;
    try {
      closeSync(tcpSocketInNetns(NS_PATH, '198.19.99.1', 0));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HostError);
    expect((err as HostError).message).to.match(
      new RegExp(`^cannot bind the VIF listener 198\\.19\\.99\\.1:0 in the network namespace ${NS_PATH} \\(bind 198\\.19\\.99\\.1:0 in ${NS_PATH}: Cannot assign requested address\\): `),
    );
  });

  it('closing the fd removes the device, with its routes, from the namespace', async () => {
    await undo.unwind();
    tun!.close();
    tun = null;
    expect(await ip(['-n', NS, '-o', 'link', 'show'])).not.to.include(`${DEV}:`);
    expect(await ip(['-n', NS, 'route', 'show'])).to.equal('');
  });
});
