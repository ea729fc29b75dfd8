// The VIF with a real TUN in a network namespace of the test (root): curl reaches the "cluster"
// servers through the connector, VNAT, concurrency, equal source ports, refused and unreachable
// destinations failing at once, half-close, DNS over UDP, NAT expiry, throughput, and nothing left
// after teardown or SIGKILL. rp_filter is strict in the namespace unless a case says otherwise.
import { expect } from 'chai';
import { execa } from 'execa';
import { createNetns, curl, deleteNetns, inNs, pollUntil, setRpFilter, startHarness, startServers, type NsProcess } from './netns.js';

const NS = 'tpvif-it';
const DEV = 'tpvif0';

const links = async () => String((await execa('ip', ['-n', NS, '-o', 'link', 'show'])).stdout);
const routes = async () => String((await execa('ip', ['-n', NS, 'route', 'show'])).stdout);
const routes6 = async () => String((await execa('ip', ['-n', NS, '-6', 'route', 'show'])).stdout);

describe('VIF: packet redirect through a real TUN (root, netns tpvif-it)', function () {
  this.timeout(60000);
  let servers: NsProcess;
  let harness: NsProcess;

  before(async () => {
    await createNetns(NS);
    await setRpFilter(NS, 1);
    servers = await startServers(NS);
    ({ harness } = await startHarness(NS, { name: DEV, natLingerMs: 500 }));
  });

  after(async () => {
    await deleteNetns(NS);
    void servers;
  });

  it('has the address and the routes on the device', async () => {
    expect(await routes()).to.equal(
      ['10.130.0.0/16 dev tpvif0 scope link ', '198.18.0.0/16 dev tpvif0 proto kernel scope link src 198.18.0.1 ', '211.55.0.0/16 dev tpvif0 scope link '].join('\n'),
    );
    expect(await routes6()).to.include('fd00:130::/64 dev tpvif0 metric 1024 pref medium');
    expect(await links()).to.match(/tpvif0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 65000 /);
  });

  it('curl to a routed IP gets the body of the cluster server, through the connector', async () => {
    const r = await curl(NS, 'http://10.130.0.10:18080/hello');
    expect(r).to.include({ code: 0, body: 'hello from 127.0.0.1:18080\n' });
    expect(await harness.ask<string[]>('dials')).to.include('10.130.0.10:18080');
  });

  it('VNAT: a virtual IP is translated before connect', async () => {
    const r = await curl(NS, 'http://211.55.0.11:18080/hello');
    expect(r).to.include({ code: 0, body: 'hello from 127.0.0.1:18080\n' });
    const dials = await harness.ask<string[]>('dials');
    expect(dials).to.include('10.130.0.11:18080');
    expect(dials.filter((d) => d.startsWith('211.55.'))).to.deep.equal([]);
  });

  it('20 concurrent connections each get their 300000 bytes', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => curl(NS, `http://10.130.0.${20 + i}:18080/bytes/300000`, ['-o', '/dev/null'], '%{size_download}')));
    expect(runs.map((r) => `${r.code} ${r.info}`)).to.deep.equal(Array(20).fill('0 300000'));
  });

  it('two overlapping connections with the same source port from two sources', async () => {
    const [a, b] = await Promise.all([
      // Both bound to a specific address: a wildcard bind would clash with the other one's port.
      curl(NS, 'http://10.130.0.10:18080/wait/600', ['--interface', '198.18.0.1', '--local-port', '40000'], '%{local_ip}:%{local_port}'),
      curl(NS, 'http://10.130.0.10:18080/wait/600', ['--interface', '10.77.0.2', '--local-port', '40000'], '%{local_ip}:%{local_port}'),
    ]);
    expect([a, b]).to.deep.equal([
      { code: 0, body: 'waited 600 ms\n', info: '198.18.0.1:40000' },
      { code: 0, body: 'waited 600 ms\n', info: '10.77.0.2:40000' },
    ]);
  });

  for (const [what, url] of [
    ['refused', 'http://10.130.0.10:81/'],
    ['unreachable', 'http://10.130.0.99:80/'],
    ['refused after VNAT', 'http://211.55.0.10:82/'],
  ]) {
    it(`a ${what} cluster connection fails curl at once with "Connection refused" (exit 7)`, async () => {
      const r = await curl(NS, url, ['-S']);
      expect(r.code).to.equal(7);
      expect(Number(r.info)).to.be.below(1);
      console.log(`      ${what}: curl exit ${r.code} after ${(Number(r.info) * 1000).toFixed(1)} ms`);
    });
  }

  it('an IPv6 destination routed to the TUN is refused at once (IPv6 is not carried yet)', async () => {
    const r = await curl(NS, 'http://[fd00:130::10]:18080/hello', ['-g']);
    expect(r.code).to.equal(7);
    expect(Number(r.info)).to.be.below(1);
    console.log(`      IPv6: curl exit ${r.code} after ${(Number(r.info) * 1000).toFixed(1)} ms`);
  });

  it('half-close: the client EOF reaches the server, which answers and closes', async () => {
    const client = `
      const s = require('net').connect({ host: '10.130.0.12', port: 18007, allowHalfOpen: true }, () => s.end(Buffer.alloc(100000, 1)));
      let got = ''; s.on('data', (d) => (got += d)); s.on('end', () => { process.stdout.write(got); s.end(); });`;
    const r = await inNs(NS, process.execPath, ['-e', client]);
    expect(String(r.stdout)).to.equal('got 100000 bytes after your EOF\n');
  });

  it('UDP to the DNS address goes to onDnsPacket and its reply comes back', async () => {
    const r = await inNs(NS, 'socat', ['-t0.5', '-', 'UDP:198.18.0.2:53'], 'q1');
    expect(String(r.stdout)).to.equal('answer to q1 from 198.18.0.1');
  });

  it('also works with rp_filter off (0) and loose (2)', async () => {
    for (const mode of [0, 2] as const) {
      await setRpFilter(NS, mode);
      expect(await curl(NS, 'http://10.130.0.10:18080/hello')).to.include({ code: 0, body: 'hello from 127.0.0.1:18080\n' });
    }
    await setRpFilter(NS, 1);
  });

  it('a cluster stream torn down before the accept resets the client at once (curl exit 7)', async () => {
    const r = await curl(NS, 'http://10.130.0.98:80/', ['-S']);
    expect(r.code).to.equal(7);
    expect(Number(r.info)).to.be.below(1);
  });

  it('a cluster stream that breaks after the accept resets the client (curl exit 56)', async () => {
    const r = await curl(NS, 'http://10.130.0.97:80/', ['-S']);
    expect(r.code).to.equal(56);
    expect(Number(r.info)).to.be.within(0.25, 2);
  });

  it('NAT entries expire after the connections close', async () => {
    const stats = await pollUntil('NAT entries', () => harness.ask<{ natEntries: number }>('stats'), (s) => s.natEntries === 0, 10000);
    expect(stats.natEntries).to.equal(0);
  });

  it('moves 100 MB from the cluster server to curl (throughput)', async function () {
    const r = await curl(NS, 'http://10.130.0.10:18080/bytes/104857600', ['-o', '/dev/null'], '%{size_download} %{speed_download}');
    const [size, speed] = r.info.split(' ').map(Number);
    expect([r.code, size]).to.deep.equal([0, 104857600]);
    console.log(`      100 MB through the VIF (mtu 65000): ${(speed / 1e6).toFixed(0)} MB/s`);
  });

  it('teardown removes the device and its routes', async () => {
    // A connection still open, its stream silent: teardown resets it and still finishes.
    const open = curl(NS, 'http://10.130.0.96:80/', ['-S']);
    await pollUntil('the request on the open connection', () => harness.ask<string[]>('dials'), (d) => d.includes('10.130.0.96:80 got the request'), 5000);
    const started = Date.now();
    expect(await harness.ask('teardown')).to.deep.equal({ failures: [] });
    expect(Date.now() - started).to.be.below(3000);
    expect((await open).code).to.equal(56);
    await harness.proc;
    expect(await links()).to.not.include(DEV);
    expect(await routes()).to.equal('');
    expect(await routes6()).to.not.include('tpvif');
  });

  it('a SIGKILLed VIF leaves no device and no route behind', async () => {
    const { harness: doomed } = await startHarness(NS, { name: 'tpvif1' });
    expect(await links()).to.include('tpvif1');
    doomed.proc.kill('SIGKILL');
    await doomed.proc;
    await pollUntil('links after SIGKILL', links, (l) => !l.includes('tpvif1'), 5000);
    expect(await routes()).to.equal('');
  });
});
