// Conformance of the pod's SOCKS server on loopback: raw SOCKS bytes in, exact bytes out, with a
// host-table resolver and real TCP targets (an echo server, a closed port).
import { expect } from 'chai';
import net from 'node:net';
import { RawClient } from './raw-socks-client.js';
import { listenSocks, type SocksEvent } from '../../../proxy-pod/src/socks/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const port2 = (p: number): string => p.toString(16).padStart(4, '0');
const name = (s: string): string => Buffer.from([s.length]).toString('hex') + Buffer.from(s).toString('hex');

describe('proxy-pod SOCKS server (loopback)', function () {
  this.timeout(10_000);
  let socksPort: number;
  let closeSocks: () => Promise<void>;
  let echo: net.Server;
  let echoPort: number;
  let closedPort: number;
  let targetSawEof = false;
  const events: SocksEvent[] = [];
  const clients: RawClient[] = [];
  const client = (): RawClient => {
    const c = new RawClient(socksPort);
    clients.push(c);
    return c;
  };

  before(async () => {
    // Echo server: echoes, and on EOF answers "bye" and ends, so half-close is visible both ways.
    echo = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d) => {
        if (d.toString() === 'close-first') {
          s.end('server-done');
        } else if (!s.writableEnded) {
          s.write(d);
        } else {
          echoedAfterEnd.push(d.toString());
        }
      });
      s.on('end', () => {
        targetSawEof = true;
        if (!s.writableEnded) s.end('bye');
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const resolver = hostTableResolver({ 'echo.test': ['127.0.0.1'], 'closed.test': ['127.0.0.1'] });
    const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver, onEvent: (e) => events.push(e) });
    socksPort = socks.port;
    closeSocks = socks.close;
  });
  const echoedAfterEnd: string[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.destroy();
  });
  after(async () => {
    await closeSocks();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('answers the greeting 05 01 00 with 05 00', async () => {
    const c = client();
    c.send(hex('050100'));
    expect((await c.take(2)).toString('hex')).to.equal('0500');
  });

  it('answers 05 FF and closes when no-auth is not offered', async () => {
    const c = client();
    c.send(hex('050102'));
    expect((await c.untilEnd()).toString('hex')).to.equal('05ff');
  });

  it('CONNECT by IPv4: 10-byte reply with the bound address, then bytes flow both ways', async () => {
    const c = client();
    c.send(hex(`050100 05010001 7f000001 ${port2(echoPort)}`));
    expect((await c.take(2)).toString('hex')).to.equal('0500');
    const reply = await c.take(10);
    expect(reply.subarray(0, 8).toString('hex')).to.equal('050000017f000001');
    expect(reply.readUInt16BE(8)).to.be.greaterThan(0);
    c.send('hello');
    expect((await c.take(5)).toString()).to.equal('hello');
    expect(events.at(-1)).to.deep.equal({ command: 'connect', target: `127.0.0.1:${echoPort}`, reply: 0, detail: `127.0.0.1:${echoPort}` });
  });

  it('CONNECT by name, with data sent in the same packet as the request', async () => {
    const c = client();
    c.send(Buffer.concat([hex(`050100 05010003 ${name('echo.test')} ${port2(echoPort)}`), Buffer.from('early')]));
    expect((await c.take(10)).toString('hex')).to.equal('0500' + '050000017f000001');
    await c.take(2); // the bound port
    expect((await c.take(5)).toString()).to.equal('early');
    expect(events.at(-1)).to.deep.include({ command: 'connect', target: `echo.test:${echoPort}`, reply: 0 });
  });

  it('RESOLVE: 05 00 00 01 <IPv4> 00 00, then closes', async () => {
    const c = client();
    c.send(hex(`050100 05f00003 ${name('echo.test')} 0000`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '050000017f0000010000');
  });

  it('RESOLVE as torsocks sends it (padded to 262 bytes)', async () => {
    const c = client();
    const field = Buffer.alloc(255, 0x55);
    field.write('echo.test');
    c.send(Buffer.concat([hex('050100 05f00003 09'), field, hex('0000')]));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '050000017f0000010000');
  });

  it('RESOLVE of an unknown name: reply 04', async () => {
    const c = client();
    c.send(hex(`050100 05f00003 ${name('nowhere.test')} 0000`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '05040001000000000000');
    expect(events.at(-1)).to.deep.equal({ command: 'resolve', target: 'nowhere.test', reply: 4, detail: 'cannot resolve "nowhere.test" in the pod: ENOTFOUND' });
  });

  it('RESOLVE_PTR: 05 00 00 03 <len><name> 00 00', async () => {
    const c = client();
    c.send(hex('050100 05f10001 7f000001 0000'));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + `05000003${name('echo.test')}0000`);
  });

  it('RESOLVE_PTR without a name answers the address itself', async () => {
    const c = client();
    c.send(hex('050100 05f10001 0a090909 0000'));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + `05000003${name('10.9.9.9')}0000`);
  });

  it('CONNECT to a closed port: reply 05 (refused)', async () => {
    const c = client();
    c.send(hex(`050100 05010001 7f000001 ${port2(closedPort)}`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '05050001000000000000');
    expect(events.at(-1)).to.deep.equal({ command: 'connect', target: `127.0.0.1:${closedPort}`, reply: 5, detail: `127.0.0.1:${closedPort}: ECONNREFUSED` });
  });

  it('CONNECT by a name that does not resolve: reply 04', async () => {
    const c = client();
    c.send(hex(`050100 05010003 ${name('nowhere.test')} 0050`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '05040001000000000000');
  });

  it('CONNECT to an IPv6 address: reply 07', async () => {
    const c = client();
    c.send(hex(`050100 05010004 00000000000000000000000000000001 ${port2(echoPort)}`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '05070001000000000000');
  });

  it('an unknown command (BIND): reply 07', async () => {
    const c = client();
    c.send(hex(`050100 05020001 7f000001 ${port2(echoPort)}`));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500' + '05070001000000000000');
    expect(events.at(-1)).to.deep.equal({ command: 'unsupported', target: '', reply: 7, detail: 'command 0x02' });
  });

  it('EOF after the greeting, before a request: the server answers the greeting and closes', async () => {
    const c = client();
    c.socket.end(hex('050100'));
    expect((await c.untilEnd()).toString('hex')).to.equal('0500');
  });

  it('not SOCKSv5: closed without a reply', async () => {
    const c = client();
    c.send('GET / HTTP/1.0\r\n\r\n');
    expect((await c.untilEnd()).length).to.equal(0);
  });

  it('half-close from the client: the target sees EOF and can still answer', async () => {
    targetSawEof = false;
    const c = client();
    c.send(hex(`050100 05010001 7f000001 ${port2(echoPort)}`));
    await c.take(12);
    c.send('abc');
    expect((await c.take(3)).toString()).to.equal('abc');
    c.socket.end();
    expect((await c.untilEnd()).toString()).to.equal('bye');
    expect(targetSawEof).to.equal(true);
  });

  it('request, data and EOF all sent before the target answers: nothing is lost', async () => {
    targetSawEof = false;
    const c = client();
    c.socket.end(Buffer.concat([hex(`050100 05010003 ${name('echo.test')} ${port2(echoPort)}`), Buffer.from('early')]));
    const all = await c.untilEnd();
    expect(all.subarray(0, 10).toString('hex')).to.equal('0500' + '050000017f000001');
    expect(all.subarray(12).toString()).to.equal('earlybye');
    expect(targetSawEof).to.equal(true);
  });

  it('half-close from the target: the client sees EOF and can still send', async () => {
    const c = client();
    c.send(hex(`050100 05010001 7f000001 ${port2(echoPort)}`));
    await c.take(12);
    c.send('close-first');
    expect((await c.untilEnd()).toString()).to.equal('server-done');
    c.send('still-here');
    const deadline = Date.now() + 3000;
    while (!echoedAfterEnd.includes('still-here') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(echoedAfterEnd).to.include('still-here');
  });
});
