// inject-tcp's local SOCKS listener with the real torsocks and curl: when the pod's side cannot be opened
// (the tunnel is being re-established) or ends in the middle of the handshake (the pod's SOCKS server was
// killed), curl fails at once with its own error instead of torsocks spinning on the EOF for ever; and
// through the real pod SOCKS server it gets its answer.
import { expect } from 'chai';
import { execa } from 'execa';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { socksRelay } from '../../../methods/socks-relay.js';
import { listenSocks } from '../../../proxy-pod/src/socks/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { freePort } from '../../helpers/ports.js';
import { startTestSshd } from '../helpers/sshd.js';

/** An open that fails as an SSH channel open does: after a round trip (torsocks's greeting has arrived by then). */
const refusedAfter = (message: string) => () => new Promise<Duplex>((_, reject) => setTimeout(() => reject(new Error(message)), 100));

interface CurlRun { exitCode: number | undefined; stderr: string; timedOut: boolean; body: string; logs: string[] }

/** A relay whose pod side is `open`, and `torsocks curl URL` through it (killed after 15 s: the old hang). */
async function torsocksRelay(open: () => Promise<Duplex>): Promise<{ curl: (url: string) => Promise<CurlRun>; logs: string[]; close: () => void }> {
  const logs: string[] = [];
  const relay = socksRelay({ open, log: (line) => logs.push(line) });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-relay-'));
  const conf = path.join(dir, 'torsocks.conf');
  fs.writeFileSync(conf, ['TorAddress 127.0.0.1', `TorPort ${(relay.address() as net.AddressInfo).port}`, 'AllowInbound 1', 'AllowOutboundLocalhost 1', ''].join('\n'));
  return {
    logs,
    curl: async (url) => {
      const r = await execa('torsocks', ['curl', '-sS', '--max-time', '5', url], { env: { TORSOCKS_CONF_FILE: conf }, reject: false, timeout: 15_000 });
      return { exitCode: r.exitCode, stderr: r.stderr, timedOut: r.timedOut, body: r.stdout, logs };
    },
    close: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      relay.close();
    },
  };
}

async function curlThrough(open: () => Promise<Duplex>, url: string): Promise<CurlRun> {
  const relay = await torsocksRelay(open);
  try {
    return await relay.curl(url);
  } finally {
    relay.close();
  }
}

/** A "pod SOCKS server" that answers `answer` to the first bytes it gets, then closes its side. */
async function cutServer(answer: Buffer[]): Promise<{ open: () => Promise<Duplex>; close: () => void }> {
  const server = net.createServer((sock) => {
    let step = 0;
    sock.on('data', () => {
      if (step < answer.length) sock.write(answer[step++]!);
      if (step >= answer.length) sock.end();
    });
    if (answer.length === 0) sock.on('data', () => sock.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    open: () => new Promise((resolve, reject) => { const s = net.connect(port, '127.0.0.1', () => resolve(s)); s.once('error', reject); }),
    close: () => server.close(),
  };
}

/** A web server on 127.0.0.1 answering `body` to every request; stop() ends its connections too. */
async function webServer(body: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const web = http.createServer((req, res) => res.end(body));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  return {
    port: (web.address() as net.AddressInfo).port,
    stop: () => {
      web.closeAllConnections();
      return new Promise<void>((r) => web.close(() => r()));
    },
  };
}

/** The bytes a client received so far, and a wait for the first n of them. */
function received(client: net.Socket): { bytes: () => Buffer; until: (n: number) => Promise<void> } {
  let buf = Buffer.alloc(0);
  const waiting: Array<() => void> = [];
  client.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); waiting.splice(0).forEach((f) => f()); });
  return {
    bytes: () => buf,
    until: (n) => new Promise<void>((resolve) => { const check = () => (buf.length >= n ? resolve() : waiting.push(check)); check(); }),
  };
}

describe('inject-tcp SOCKS relay with the real torsocks', function () {
  this.timeout(30_000);

  it('no stream to the pod (reconnecting): a name look-up fails at once, curl exits 6', async () => {
    const r = await curlThrough(refusedAfter('the connection to it was lost (test) and is being re-established'), 'http://echo:8080/');
    expect([r.timedOut, r.exitCode], r.stderr).to.deep.equal([false, 6]);
    expect(r.logs).to.deep.equal(['inject-tcp: no stream to the pod\'s SOCKS server: the connection to it was lost (test) and is being re-established; '
      + 'the SOCKS client gets a failure reply']);
  });

  it('no stream to the pod: a connection to an IP fails at once, curl exits 7', async () => {
    // 192.0.2.1 (TEST-NET-1) goes to the relay only: torsocks sends it as a SOCKS CONNECT.
    const r = await curlThrough(refusedAfter('(SSH) Channel open failure: Connection refused'), 'http://192.0.2.1:8080/');
    expect([r.timedOut, r.exitCode], r.stderr).to.deep.equal([false, 7]);
  });

  it('the pod\'s server closes after the greeting, before any answer: curl fails at once', async () => {
    const pod = await cutServer([]);
    try {
      const r = await curlThrough(pod.open, 'http://192.0.2.1:8080/');
      expect([r.timedOut, r.exitCode], r.stderr).to.deep.equal([false, 7]);
      expect(r.logs).to.deep.equal(['inject-tcp: the pod\'s SOCKS server ended the connection before its reply; the SOCKS client gets a failure reply']);
    } finally {
      pod.close();
    }
  });

  it('the pod\'s server picks no-auth, then closes on the request: curl gets a general failure at once', async () => {
    const pod = await cutServer([Buffer.from([5, 0])]);
    try {
      const byName = await curlThrough(pod.open, 'http://echo:8080/');
      expect([byName.timedOut, byName.exitCode], byName.stderr).to.deep.equal([false, 6]);
      const byIp = await curlThrough(pod.open, 'http://192.0.2.1:8080/');
      expect([byIp.timedOut, byIp.exitCode], byIp.stderr).to.deep.equal([false, 7]);
    } finally {
      pod.close();
    }
  });

  it('the relay answers a no-auth greeting while the channel still opens; the request then goes to the pod behind its own greeting', async () => {
    const web = http.createServer((req, res) => res.end('through'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as net.AddressInfo).port;
    const events: string[] = [];
    const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({}), onEvent: (e) => events.push(`${e.command} ${e.target} ${e.reply}`) });
    let opened = false;
    const relay = socksRelay({ log: () => undefined, open: () => new Promise((resolve, reject) => setTimeout(() => {
      const s = net.connect(socks.port, '127.0.0.1', () => { opened = true; resolve(s); });
      s.once('error', reject);
    }, 300)) });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const client = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      const read = (n: number) => new Promise<Buffer>((resolve) => {
        let buf = Buffer.alloc(0);
        const on = (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= n) { client.off('data', on); resolve(buf); }
        };
        client.on('data', on);
      });
      client.write(Buffer.from([5, 1, 0]));
      const choice = await read(2);
      expect([choice.toString('hex'), opened], 'the method selection, before the stream to the pod was open').to.deep.equal(['0500', false]);
      client.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, webPort >> 8, webPort & 0xff]));
      const reply = await read(10);
      expect([reply.subarray(0, 2).toString('hex'), opened]).to.deep.equal(['0500', true]);
      client.write('GET / HTTP/1.0\r\n\r\n');
      const body = await new Promise<string>((resolve) => {
        let text = reply.subarray(10).toString();
        client.on('data', (d: Buffer) => { text += d.toString(); });
        client.on('end', () => resolve(text));
      });
      expect(body).to.match(/\r\n\r\nthrough$/);
      expect(events).to.deep.equal([`connect 127.0.0.1:${webPort} 0`]);
    } finally {
      client.destroy();
      relay.close();
      await socks.close();
      web.closeAllConnections();
      web.close();
    }
  });

  it('a CONNECT to a destination that answered moments ago is answered before the stream to the pod opens; its bytes follow the request', async () => {
    const web = await webServer('through');
    const events: string[] = [];
    const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({}), onEvent: (e) => events.push(`${e.command} ${e.target} ${e.reply}`) });
    let opened = 0;
    const relay = socksRelay({ log: () => undefined, open: () => new Promise((resolve, reject) => setTimeout(() => {
      const s = net.connect(socks.port, '127.0.0.1', () => { opened++; resolve(s); });
      s.once('error', reject);
    }, 300)) });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    /** Greeting and CONNECT; the reply's first two bytes and how many streams were open when it came; then GET / and the body. */
    const once = async () => {
      const client = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
      const got = received(client);
      client.write(Buffer.from([5, 1, 0]));
      client.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, web.port >> 8, web.port & 0xff]));
      await got.until(12);
      const reply = [got.bytes().subarray(2, 4).toString('hex'), opened];
      client.write('GET / HTTP/1.0\r\n\r\n');
      await new Promise<void>((resolve) => client.on('end', () => resolve()));
      return [...reply, got.bytes().subarray(12).toString().split('\r\n\r\n')[1]];
    };
    try {
      expect(await once(), 'first: the pod\'s own reply').to.deep.equal(['0500', 1, 'through']);
      expect(await once(), 'repeat: the relay\'s reply, before the second stream opened').to.deep.equal(['0500', 1, 'through']);
      expect(events).to.deep.equal([`connect 127.0.0.1:${web.port} 0`, `connect 127.0.0.1:${web.port} 0`]);
    } finally {
      relay.close();
      await socks.close();
      await web.stop();
    }
  });

  it('a destination that answered, then stops: the next curl is reset (taken at once), the one after it refused by the pod', async () => {
    const web = await webServer('up');
    const webPort = web.port;
    // A pod SOCKS server whose "cluster" is this web server: torsocks sends 192.0.2.1 (TEST-NET-1) to the
    // relay (it connects to localhost itself; it sends the address as a name), this server dials the web
    // server for it, and answers its refusal as the pod's server does (REP 5).
    const pod = net.createServer((sock) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        // The greeting (3 bytes), then the request: 4 bytes, the address (by its type), the port.
        const atyp = buf[6];
        const length = 3 + 4 + (atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + (buf[7] ?? 255)) + 2;
        if (buf.length < 8 || buf.length < length) return;
        sock.off('data', onData);
        sock.pause();
        const target = net.connect(webPort, '127.0.0.1', () => {
          sock.write(Buffer.from([5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          target.write(buf.subarray(length));
          sock.pipe(target);
          target.pipe(sock);
          sock.resume();
        });
        target.once('error', () => sock.end(Buffer.from([5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
      };
      sock.on('data', onData);
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => pod.listen(0, '127.0.0.1', r));
    const podPort = (pod.address() as net.AddressInfo).port;
    const relay = await torsocksRelay(() => new Promise((resolve, reject) => {
      const s = net.connect(podPort, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    }));
    try {
      const url = 'http://192.0.2.1:8080/';
      const up = await relay.curl(url);
      expect([up.exitCode, up.body], up.stderr).to.deep.equal([0, 'up']);
      await web.stop();
      const reset = await relay.curl(url);
      // 56: "Recv failure: Connection reset by peer": curl had its connection, then the reset.
      expect([reset.timedOut, reset.exitCode], reset.stderr).to.deep.equal([false, 56]);
      expect(relay.logs).to.deep.equal(['inject-tcp: the pod\'s SOCKS server failed the CONNECT; the connection to 192.0.2.1:8080, answered at once (it answered moments ago), is reset']);
      const refused = await relay.curl(url);
      // 7: the pod's own answer (connection refused), as for any destination that did not answer.
      expect([refused.timedOut, refused.exitCode], refused.stderr).to.deep.equal([false, 7]);
    } finally {
      relay.close();
      pod.close();
    }
  });

  it('a client offering only username/password is passed to the pod\'s server as it is', async () => {
    const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({}), auth: { username: 'u', password: 'p' } });
    const relay = socksRelay({ log: () => undefined, open: () => new Promise((resolve, reject) => {
      const s = net.connect(socks.port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    }) });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const client = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      let got = Buffer.alloc(0);
      client.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); });
      const until = (n: number) => new Promise<void>((resolve) => { const t = setInterval(() => { if (got.length >= n) { clearInterval(t); resolve(); } }, 5); });
      client.write(Buffer.from([5, 1, 2]));
      await until(2);
      client.write(Buffer.from([1, 1, 0x75, 1, 0x70]));
      await until(4);
      // RESOLVE of an IPv4 literal: the server answers it itself.
      client.write(Buffer.from([5, 0xf0, 0, 1, 10, 1, 2, 3, 0, 0]));
      await until(14);
      expect(got.toString('hex')).to.equal('0502' + '0100' + '05000001' + '0a010203' + '0000');
    } finally {
      client.destroy();
      relay.close();
      await socks.close();
    }
  });

  it('through the real pod SOCKS server: RESOLVE by the pod, the body arrives', async () => {
    const web = http.createServer((req, res) => res.end(`hello ${req.headers.host}`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as net.AddressInfo).port;
    const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ echo: ['127.0.0.1'] }) });
    try {
      const r = await curlThrough(() => new Promise((resolve, reject) => {
        const s = net.connect(socks.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      }), `http://echo:${webPort}/`);
      expect([r.exitCode, r.body, r.logs]).to.deep.equal([0, `hello echo:${webPort}`, []]);
    } finally {
      await socks.close();
      web.closeAllConnections();
      web.close();
    }
  });

  describe('a CONNECT to an address over its own channel (openDirect, a real sshd\'s direct-tcpip)', () => {
    const key = generateSessionKey('relay-direct');
    let sshd: Awaited<ReturnType<typeof startTestSshd>>;
    let tunnel: SshTunnel;
    before(async () => {
      sshd = await startTestSshd(key.publicKey);
      tunnel = await SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000 });
    });
    after(async () => {
      tunnel?.close();
      await sshd?.stop();
    });

    /** Greeting and CONNECT host:port through a relay whose pod SOCKS server must not be asked; the reply, then (on success) GET / and the body. */
    async function connectVia(relay: net.Server, host: number[], port: number): Promise<{ reply: string; body?: string }> {
      const client = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
      const got = received(client);
      client.on('error', () => undefined);
      try {
        client.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, ...host, port >> 8, port & 0xff]));
        await got.until(12);
        const reply = got.bytes().subarray(0, 12).toString('hex');
        if (got.bytes()[3] !== 0) return { reply };
        client.write('GET / HTTP/1.0\r\n\r\n');
        await new Promise<void>((resolve) => client.on('end', () => resolve()));
        return { reply, body: got.bytes().subarray(12).toString().split('\r\n\r\n')[1] };
      } finally {
        client.destroy();
      }
    }

    it('answers from the opened channel and carries the bytes; the pod\'s SOCKS server is not asked; a closed port is REP 5 (refused)', async () => {
      const web = await webServer('direct');
      const webPort = web.port;
      const closed = await freePort();
      const asked: string[] = [];
      const logs: string[] = [];
      const relay = socksRelay({
        open: () => { asked.push('socks'); return Promise.reject(new Error('the pod\'s SOCKS server is not for addresses')); },
        openDirect: (h, p) => { asked.push(`${h}:${p}`); return tunnel.openStream(h, p); },
        log: (line) => logs.push(line),
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
      try {
        expect(await connectVia(relay, [127, 0, 0, 1], webPort)).to.deep.equal({ reply: '0500' + '05000001000000000000', body: 'direct' });
        expect(await connectVia(relay, [127, 0, 0, 1], closed)).to.deep.equal({ reply: '0500' + '05050001000000000000' });
        expect(asked).to.deep.equal([`127.0.0.1:${webPort}`, `127.0.0.1:${closed}`]);
        expect(logs).to.deep.equal([`inject-tcp: 127.0.0.1:${closed}: (SSH) Channel open failure: Connection refused; the SOCKS client gets a failure reply`]);
      } finally {
        relay.close();
        await web.stop();
      }
    });

    it('a repeat CONNECT is answered before its channel opens; a destination gone since is reset, then refused', async () => {
      const web = await webServer('again');
      const webPort = web.port;
      let opened = 0;
      const logs: string[] = [];
      const relay = socksRelay({
        open: () => Promise.reject(new Error('not for addresses')),
        // The channel's opening held 300 ms: an answer before it is the relay's own.
        openDirect: (h, p) => new Promise((resolve, reject) => setTimeout(() => tunnel.openStream(h, p).then((c) => { opened++; resolve(c); }, reject), 300)),
        log: (line) => logs.push(line),
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
      const client = () => {
        const c = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
        let buf = Buffer.alloc(0);
        const events: string[] = [];
        c.on('data', (d: Buffer) => { if (buf.length < 12 && buf.length + d.length >= 12) events.push(`reply after ${opened} opened`); buf = Buffer.concat([buf, d]); });
        const closed = new Promise<string>((resolve) => {
          c.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
          c.on('close', () => resolve('closed'));
        });
        c.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, webPort >> 8, webPort & 0xff]));
        c.write('GET / HTTP/1.0\r\n\r\n');
        return { events, closed, text: () => buf.subarray(12).toString(), reply: () => buf.subarray(2, 4).toString('hex') };
      };
      try {
        const first = client();
        expect(await first.closed).to.equal('closed');
        expect([first.events, first.reply(), first.text().split('\r\n\r\n')[1]]).to.deep.equal([['reply after 1 opened'], '0500', 'again']);
        const repeat = client();
        expect(await repeat.closed).to.equal('closed');
        expect([repeat.events, repeat.reply(), repeat.text().split('\r\n\r\n')[1]]).to.deep.equal([['reply after 1 opened'], '0500', 'again']);
        await web.stop();
        const gone = client();
        expect([await gone.closed, gone.reply()]).to.deep.equal(['ECONNRESET', '0500']);
        const refused = client();
        expect([await refused.closed, refused.reply()]).to.deep.equal(['closed', '0505']);
        expect(logs).to.deep.equal([
          `inject-tcp: 127.0.0.1:${webPort}: (SSH) Channel open failure: Connection refused; the connection to 127.0.0.1:${webPort}, answered at once (it answered moments ago), is reset`,
          `inject-tcp: 127.0.0.1:${webPort}: (SSH) Channel open failure: Connection refused; the SOCKS client gets a failure reply`,
        ]);
      } finally {
        relay.close();
      }
    });
  });
});
