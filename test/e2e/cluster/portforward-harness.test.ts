// handlePortForwardUpgrade behind a small HTTPS fixture (no cluster needed), driven by the real kubectl (1.32 over
// the WebSocket tunnel and over plain SPDY, 1.29 over SPDY) and by client-node's PortForward: curl, concurrency,
// half-close, the connection-refused text, and 100 MB each way with the measured rate.
import { expect } from 'chai';
import crypto from 'node:crypto';
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { execa } from 'execa';
import { Harness, loopbackDial, startHarness } from '../../unit/cluster/portforward/harness.js';
import { loadClientNode } from '../helpers/client-node.js';
import { CHUNK, exchange, KUBECTL, KUBECTL_SPDY_ONLY, PodServers, startKubectlForward, startPodServers } from '../../unit/cluster/portforward/fixtures.js';

const { KubeConfig, PortForward } = await loadClientNode();

const MB = 1024 * 1024;
const BIG = 100 * MB;
const UID = '6f1c7bfa-0000-4000-8000-000000000001';

const modes: { name: string; kubectl: string; env: Record<string, string>; upgrade: string }[] = [
  { name: 'kubectl 1.32 (SPDY over WebSocket)', kubectl: KUBECTL, env: {}, upgrade: 'upgrade=websocket' },
  { name: 'kubectl 1.32 (plain SPDY, KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', kubectl: KUBECTL,
    env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, upgrade: 'upgrade=SPDY/3.1' },
  { name: 'kubectl 1.29 (SPDY)', kubectl: KUBECTL_SPDY_ONLY, env: {}, upgrade: 'upgrade=SPDY/3.1' },
];

async function upload(port: number): Promise<{ reply: string; seconds: number; expected: string }> {
  const hash = crypto.createHash('sha256');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let reply = '';
    s.on('data', (d: Buffer) => { reply += d.toString(); });
    s.on('end', () => {
      s.end();
      resolve({ reply, seconds: Number(process.hrtime.bigint() - started) / 1e9, expected: `${BIG} ${hash.digest('hex')}` });
    });
    s.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < BIG) {
        const piece = Buffer.from(CHUNK);
        piece.writeUInt32BE(sent / MB); // each megabyte differs, so a lost or repeated chunk changes the hash
        hash.update(piece);
        sent += piece.length;
        if (!s.write(piece)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
}

async function download(port: number): Promise<{ bytes: number; digest: string; seconds: number }> {
  const hash = crypto.createHash('sha256');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let bytes = 0;
    s.on('data', (d: Buffer) => { bytes += d.length; hash.update(d); });
    s.on('end', () => resolve({ bytes, digest: hash.digest('hex'), seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
    s.on('error', reject);
  });
}

function expectedSourceDigest(): string {
  const hash = crypto.createHash('sha256');
  for (let i = 0; i < BIG / MB; i++) hash.update(CHUNK);
  return hash.digest('hex');
}

describe('portforward through the test harness', function () {
  this.timeout(180_000);
  let pods: PodServers;
  let harness: Harness;

  before(async () => {
    pods = await startPodServers(BIG);
    harness = await startHarness({ dial: loopbackDial(pods.map), uid: UID });
  });
  after(async () => {
    await harness?.close();
    pods?.close();
  });

  for (const mode of modes) {
    describe(mode.name, () => {
      it('forwards curl, 50 concurrent connections, half-close, and 100 MB each way', async () => {
        const before = harness.requests.length;
        const fwd = await startKubectlForward(mode.kubectl, harness.kubeconfig, `${harness.dir}/cache`, 'pod/x',
          [8080, 7000, 7001, 7002, 7003], mode.env);
        try {
          const curl = await execa('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${fwd.local[8080]}/hello`]);
          expect(curl.stdout).to.equal('hello from pod, GET /hello');
          expect(harness.requests.slice(before).filter((r) => r.includes('/portforward'))).to.deep.equal([
            `${mode.upgrade === 'upgrade=websocket' ? 'GET' : 'POST'} /api/v1/namespaces/default/pods/x/portforward ${mode.upgrade}`,
          ]);

          const payloads = Array.from({ length: 50 }, (_, i) => `${i}:${crypto.randomBytes(24 * 1024).toString('hex')}`);
          const echoed = await Promise.all(payloads.map((p) => exchange(fwd.local[7000], p)));
          expect(echoed.map((e, i) => e === payloads[i])).to.deep.equal(payloads.map(() => true));

          // The client ends its write side; the pod sees EOF, then answers; the answer still arrives.
          expect(await exchange(fwd.local[7001], 'hello')).to.equal('got 5 bytes: hello');

          const up = await upload(fwd.local[7002]);
          expect(up.reply).to.equal(up.expected);
          const down = await download(fwd.local[7003]);
          expect(down.bytes).to.equal(BIG);
          expect(down.digest).to.equal(expectedSourceDigest());
          console.log(`      ${mode.name}: upload 100 MB in ${up.seconds.toFixed(2)} s (${(100 / up.seconds).toFixed(1)} MB/s), ` +
            `download 100 MB in ${down.seconds.toFixed(2)} s (${(100 / down.seconds).toFixed(1)} MB/s)`);
        } finally {
          await fwd.stop();
        }
      });

      it('prints kubelet\'s error text when nothing listens on the pod port', async () => {
        const fwd = await startKubectlForward(mode.kubectl, harness.kubeconfig, `${harness.dir}/cache`, 'pod/x', [8081], mode.env);
        try {
          const local = fwd.local[8081];
          expect(await exchange(local, 'GET / HTTP/1.0\r\n\r\n', false)).to.equal('');
          const text = `an error occurred forwarding ${local} -> 8081: error forwarding port 8081 to pod ${UID}, uid : ` +
            `dial tcp4 127.0.0.1:${pods.refusedPort}: connect: connection refused`;
          const deadline = Date.now() + 10_000;
          while (!fwd.output().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          expect(fwd.output()).to.include(text);
        } finally {
          await fwd.stop();
        }
      });
    });
  }

  describe('client-node PortForward (WebSocket channels v4.channel.k8s.io)', () => {
    function collect(): { stream: Writable; text: () => string; ended: Promise<void> } {
      let text = '';
      let done!: () => void;
      const ended = new Promise<void>((r) => { done = r; });
      const stream = new Writable({ write(c: Buffer, _e, cb) { text += c.toString(); cb(); }, final(cb) { done(); cb(); } });
      return { stream, text: () => text, ended };
    }

    async function until(cond: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    it('echoes through the pod port and closes the socket when the pod closes', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(harness.kubeconfig);
      const out = collect();
      const errors = collect();
      const input = new PassThrough();
      const ws = await new PortForward(kc).portForward('default', 'x', [7000], out.stream, errors.stream, input);
      expect((ws as { protocol?: string }).protocol).to.equal('v4.channel.k8s.io');
      input.write('hello over channels');
      await until(() => out.text() === 'hello over channels', `the echo (got ${JSON.stringify(out.text())})`);
      expect(errors.text()).to.equal('');
      const closed = new Promise<void>((r) => (ws as unknown as { once(e: string, f: () => void): void }).once('close', () => r()));
      input.end(); // client-node closes the WebSocket at the end of its input; the pod connection goes with it
      await closed;
    });

    it('reports the refused dial on the error channel', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(harness.kubeconfig);
      const out = collect();
      const errors = collect();
      const input = new PassThrough();
      await new PortForward(kc, false).portForward('default', 'x', [8081], out.stream, errors.stream, input);
      await until(() => errors.text() !== '', 'the error text');
      expect(errors.text()).to.equal(`error forwarding port 8081 to pod ${UID}, uid : ` +
        `dial tcp4 127.0.0.1:${pods.refusedPort}: connect: connection refused`);
      expect(out.text()).to.equal('');
      input.end();
    });
  });
});
