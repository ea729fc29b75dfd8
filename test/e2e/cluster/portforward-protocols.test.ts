// The wire details of pods/portforward that kubectl and client-node do not show: kubelet's WebSocket channels
// frame by frame (binary and base64, several ports), and the answers to upgrades we cannot serve.
import { expect } from 'chai';
import https from 'node:https';
import { promises as fs } from 'node:fs';
import { WebSocket } from 'ws';
import { Harness, loopbackDial, startHarness } from '../../unit/cluster/portforward/harness.js';
import { PodServers, startPodServers } from '../../unit/cluster/portforward/fixtures.js';

const UID = '6f1c7bfa-0000-4000-8000-000000000002';
const PATH = '/api/v1/namespaces/default/pods/x/portforward';

describe('portforward wire details (test harness)', function () {
  this.timeout(30_000);
  let pods: PodServers;
  let harness: Harness;
  let ca: Buffer;

  before(async () => {
    pods = await startPodServers(1024);
    harness = await startHarness({ dial: loopbackDial(pods.map), uid: UID });
    ca = await fs.readFile(`${harness.dir}/cert.pem`);
  });
  after(async () => {
    await harness?.close();
    pods?.close();
  });

  function open(query: string, protocols: string[]): WebSocket {
    return new WebSocket(`wss://127.0.0.1:${harness.port}${PATH}${query}`, protocols,
      { ca, headers: { Authorization: 'Bearer harness-token' } });
  }

  /** Collects messages as `<channel> <text>` until `count` arrived. */
  function messages(ws: WebSocket, count: number, decode: (m: Buffer, binary: boolean) => string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const seen: string[] = [];
      ws.on('message', (m: Buffer, binary: boolean) => {
        seen.push(decode(m, binary));
        if (seen.length === count) resolve(seen);
      });
      ws.on('error', reject);
      ws.on('close', () => resolve(seen));
    });
  }

  it('binary channels for two ports: port prefixes, echo on channel 0, refusal text on channel 3', async () => {
    const ws = open('?ports=7000,8081', ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    const got = messages(ws, 6, (m, binary) => `${binary ? 'bin' : 'text'} ${m[0]} ${m.subarray(1).toString('hex')}`);
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).to.equal('v4.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    const refusal = `error forwarding port 8081 to pod ${UID}, uid : dial tcp4 127.0.0.1:${pods.refusedPort}: connect: connection refused`;
    const seen = await got;
    // Port numbers as 2 bytes little-endian first on each channel: 7000 = 0x1b58, 8081 = 0x1f91.
    expect(seen.slice(0, 4)).to.deep.equal(['bin 0 581b', 'bin 1 581b', 'bin 2 911f', 'bin 3 911f']);
    expect(seen.slice(4).sort()).to.deep.equal([
      `bin 0 ${Buffer.from('ping').toString('hex')}`, `bin 3 ${Buffer.from(refusal).toString('hex')}`,
    ].sort());
    ws.close();
  });

  it('base64 channels: a digit for the channel, then base64', async () => {
    const ws = open('?ports=7000', ['v4.base64.channel.k8s.io']);
    const got = messages(ws, 3, (m, binary) => `${binary ? 'bin' : 'text'} ${String.fromCharCode(m[0])} ` +
      Buffer.from(m.subarray(1).toString(), 'base64').toString('hex'));
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).to.equal('v4.base64.channel.k8s.io');
    ws.send(`0${Buffer.from('hi').toString('base64')}`);
    expect(await got).to.deep.equal(['text 0 581b', 'text 1 581b', `text 0 ${Buffer.from('hi').toString('hex')}`]);
    ws.close();
  });

  it('closes the WebSocket when the pod closes the connection', async () => {
    const ws = open('?ports=7003', ['v4.channel.k8s.io']); // the source sends 1024 bytes, then ends
    let bytes = 0;
    ws.on('message', (m: Buffer) => { if (m[0] === 0) bytes += m.length - 1; });
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    expect(code).to.equal(1000);
    expect(bytes).to.equal(2 + 1024);
  });

  function upgrade(method: string, query: string, headers: Record<string, string>): Promise<{ status: number; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: harness.port, path: `${PATH}${query}`, method, ca,
        headers: { Authorization: 'Bearer harness-token', ...headers } });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: '', body: '' });
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: String(res.headers['x-accepted-stream-protocol-versions'] ?? ''), body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const refusals: [string, string, string, Record<string, string>, number, string, string][] = [
    ['a SPDY upgrade for another protocol', 'POST', '', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
      403, 'portforward.k8s.io',
      'unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]\n'],
    ['a SPDY upgrade without a protocol', 'POST', '', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' }, 400, '',
      'unable to upgrade: X-Stream-Protocol-Version is required\n'],
    ['a WebSocket without ports', 'GET', '', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v4.channel.k8s.io' }, 400, '',
    'query parameter "port" is required'],
    ['a WebSocket offering only unknown subprotocols', 'GET', '?ports=80', { Connection: 'Upgrade', Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
    403, '', ''],
  ];
  for (const [what, method, query, headers, status, accepted, body] of refusals) {
    it(`answers ${what} with ${status}`, async () => {
      expect(await upgrade(method, query, headers)).to.deep.equal({ status, headers: accepted, body });
    });
  }

  it('accepts a successful SPDY upgrade with 101', async () => {
    const r = await upgrade('POST', '', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    expect(r.status).to.equal(101);
  });
});
