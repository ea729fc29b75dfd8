// pods/exec behind the small HTTPS fixture (no cluster needed; the "container" is this machine's sh), driven by
// the real kubectl over each protocol it speaks (1.32: WebSocket v5, SPDY with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false,
// and its fallback to SPDY against a server without v5; 1.29: SPDY) and by client-node's Exec (v5, and v4).
import { expect } from 'chai';
import crypto from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { promises as fs } from 'node:fs';
import { WebSocket } from 'ws';
import { execa } from 'execa';
import type { V1Status } from '@kubernetes/client-node';
import { Harness, startHarness } from '../../unit/cluster/portforward/harness.js';
import { KUBECTL, KUBECTL_SPDY_ONLY } from '../../unit/cluster/portforward/fixtures.js';
import { runProcess } from '../../cluster/node/exec.js';
import { loadClientNode } from '../helpers/client-node.js';
import { checkInteractiveShell, startTerminal } from '../helpers/terminal.js';
import { waitFor } from '../../helpers/poll.js';

const { KubeConfig, Exec } = await loadClientNode();

const EXEC_PATH = '/api/v1/namespaces/default/pods/x/exec';
const modes: { name: string; kubectl: string; env: Record<string, string>; legacy: boolean; upgrades: string[] }[] = [
  { name: 'kubectl 1.32 (WebSocket v5.channel.k8s.io)', kubectl: KUBECTL, env: {}, legacy: false, upgrades: ['GET websocket'] },
  { name: 'kubectl 1.32 (SPDY, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', kubectl: KUBECTL,
    env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, legacy: false, upgrades: ['POST SPDY/3.1'] },
  { name: 'kubectl 1.32 against a server without v5 (falls back to SPDY)', kubectl: KUBECTL, env: {}, legacy: true,
    upgrades: ['GET websocket', 'POST SPDY/3.1'] },
  { name: 'kubectl 1.29 (SPDY)', kubectl: KUBECTL_SPDY_ONLY, env: {}, legacy: false, upgrades: ['POST SPDY/3.1'] },
];

describe('exec through the test harness', function () {
  this.timeout(120_000);
  let current: Harness;
  let legacy: Harness;
  const run = (_verb: string, command: string[], io: Parameters<typeof runProcess>[1]) => runProcess(command, io, { pty: io.options.tty, failures: [] });

  before(async () => {
    current = await startHarness({ remoteCommand: { run } });
    legacy = await startHarness({ remoteCommand: { run, legacyWebSocket: true } });
  });
  after(async () => {
    await current?.close();
    await legacy?.close();
  });

  /** The upgrades of exec requests since `from`, as "METHOD protocol". */
  const upgrades = (h: Harness, from: number) => h.requests.slice(from).filter((r) => r.includes(`${EXEC_PATH}?`))
    .map((r) => `${r.split(' ')[0]} ${r.split('upgrade=')[1]}`);

  for (const mode of modes) {
    describe(mode.name, () => {
      const h = () => (mode.legacy ? legacy : current);
      const kubectl = async (args: string[], input?: Buffer | string) => {
        const r = await execa(mode.kubectl, ['--kubeconfig', h().kubeconfig, ...args], { input, reject: false, encoding: 'buffer', stripFinalNewline: false, env: mode.env });
        return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr) };
      };

      it('exec: stdout, stderr and the exit code through the status channel', async () => {
        const from = h().requests.length;
        const r = await kubectl(['exec', 'x', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
        expect({ code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() })
          .to.deep.equal({ code: 3, out: 'out\n', err: 'err\ncommand terminated with exit code 3\n' });
        expect(upgrades(h(), from)).to.deep.equal(mode.upgrades);
        const ok = await kubectl(['exec', 'x', '--', 'true']);
        expect({ code: ok.exitCode, out: ok.stdout.toString(), err: ok.stderr.toString() }).to.deep.equal({ code: 0, out: '', err: '' });
      });

      it('exec -i: 5 MB of binary stdin arrive whole, and the end of stdin ends the command', async () => {
        const data = crypto.randomBytes(5 * 1024 * 1024);
        const started = Date.now();
        const r = await kubectl(['exec', '-i', 'x', '--', 'sha256sum'], data);
        expect(r.stderr.toString()).to.equal('');
        expect(r.stdout.toString()).to.equal(`${crypto.createHash('sha256').update(data).digest('hex')}  -\n`);
        const back = await kubectl(['exec', '-i', 'x', '--', 'cat'], data);
        expect(Buffer.compare(back.stdout, data)).to.equal(0);
        console.log(`      5 MB in and 5 MB in+out: ${Date.now() - started} ms`);
      });

      it('exec -it: a terminal of the client\'s size that follows its resize', async () => {
        const t = startTerminal(mode.kubectl, ['--kubeconfig', h().kubeconfig, 'exec', '-it', 'x', '--', 'sh'], mode.env, 80, 24);
        await checkInteractiveShell(t, 'echo first-$((6*7))', 'first-42', 5);
      });
    });
  }

  describe('WebSocket wire details', () => {
    /** Opens an exec WebSocket and records every message as `<channel> <text>` and the close code. */
    async function session(h: Harness, query: string, protocols: string[], base64 = false) {
      const ws = new WebSocket(`wss://127.0.0.1:${h.port}${EXEC_PATH}?${query}`, protocols,
        { ca: await fs.readFile(`${h.dir}/cert.pem`), headers: { Authorization: 'Bearer harness-token' } });
      const seen: string[] = [];
      ws.on('message', (m: Buffer, binary: boolean) => {
        seen.push(base64 ? `${m[0] - 48} ${Buffer.from(m.subarray(1).toString(), 'base64').toString()} (${binary ? 'binary' : 'text'})`
          : `${m[0]} ${m.subarray(1).toString()} (${binary ? 'binary' : 'text'})`);
      });
      const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
      await new Promise((r) => ws.once('open', r));
      return { ws, seen, closed };
    }
    const query = 'command=sh&command=-c&command=cat%3B%20exit%202&stdin=true&stdout=true&stderr=true';

    it('v5: an empty stdout message first, CLOSE ends stdin, the Status, then a normal close', async () => {
      const s = await session(current, query, ['v5.channel.k8s.io']);
      expect(s.ws.protocol).to.equal('v5.channel.k8s.io');
      s.ws.send(Buffer.from([0, ...Buffer.from('ping')]));
      s.ws.send(Buffer.from([255, 0]));
      expect(await s.closed).to.equal(1000);
      expect(s.seen).to.deep.equal(['1  (binary)', '1 ping (binary)',
        '3 {"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 2",' +
        '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"2"}]}} (binary)']);
    });

    it('v4.base64: the channel as a digit and base64 text, then the Status and a normal close', async () => {
      const s = await session(current, 'command=sh&command=-c&command=read%20x%3B%20echo%20%24x%3B%20exit%200&stdin=true&stdout=true',
        ['v4.base64.channel.k8s.io'], true);
      expect(s.ws.protocol).to.equal('v4.base64.channel.k8s.io');
      s.ws.send(`0${Buffer.from('pong\n').toString('base64')}`);
      expect(await s.closed).to.equal(1000);
      expect(s.seen).to.deep.equal(['1  (text)', '1 pong\n (text)', '3 {"metadata":{},"status":"Success"} (text)']);
    });

    it('refuses v5 as a server before 1.30 does (403), and a query without streams (400)', async () => {
      const status = async (h: Harness, q: string, protocols: string[]) => {
        const ca = await fs.readFile(`${h.dir}/cert.pem`);
        return new Promise<string>((resolve, reject) => {
          const ws = new WebSocket(`wss://127.0.0.1:${h.port}${EXEC_PATH}?${q}`, protocols, { ca, headers: { Authorization: 'Bearer harness-token' } });
          ws.on('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (d: Buffer) => { body += d.toString(); });
            res.on('end', () => resolve(`${res.statusCode} ${body}`));
          });
          ws.on('open', () => reject(new Error('the upgrade succeeded')));
          ws.on('error', reject);
        });
      };
      expect(await status(legacy, query, ['v5.channel.k8s.io'])).to.equal('403 ');
      expect(await status(current, 'command=true', ['v5.channel.k8s.io'])).to.equal('400 you must specify at least 1 of stdin, stdout, stderr\n');
    });
  });

  describe('client-node Exec', () => {
    function sink(): { stream: Writable; text: () => string } {
      let text = '';
      return { stream: new Writable({ write(c: Buffer, _e, cb) { text += c.toString(); cb(); } }), text: () => text };
    }

    async function exec(harness: Harness, command: string[], input: PassThrough) {
      const kc = new KubeConfig();
      kc.loadFromFile(harness.kubeconfig);
      const out = sink();
      const err = sink();
      let status: V1Status | undefined;
      const ws = await new Exec(kc).exec('default', 'x', 'app', command, out.stream, err.stream, input, false, (s) => { status = s; });
      return { out, err, protocol: (ws as { protocol?: string }).protocol, status: () => waitFor('the Status', 10_000, () => status, 20) };
    }

    const script = ['sh', '-c', 'read line; echo "got $line"; echo done >&2; exit 4'];
    for (const [name, harness, protocol, message] of [
      ['v5.channel.k8s.io (the API server\'s translator)', () => current, 'v5.channel.k8s.io',
        'command terminated with non-zero exit code: command terminated with exit code 4'],
      ['v4.channel.k8s.io (kubelet before 1.30)', () => legacy, 'v4.channel.k8s.io',
        `command terminated with non-zero exit code: error executing command [${script.join(' ')}], exit code 4`],
    ] as const) {
      it(`${name}: stdin, stdout, stderr and the exit code in the Status`, async () => {
        const input = new PassThrough();
        const e = await exec(harness(), script, input);
        expect(e.protocol).to.equal(protocol);
        input.write('from client-node\n');
        expect(await e.status()).to.deep.equal({ metadata: {}, status: 'Failure', message, reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: '4' }] } });
        expect({ out: e.out.text(), err: e.err.text() }).to.deep.equal({ out: 'got from client-node\n', err: 'done\n' });
      });
    }

    it('v5.channel.k8s.io: the end of stdin (CLOSE) ends cat, with Success', async () => {
      const input = new PassThrough();
      const e = await exec(current, ['cat'], input);
      input.end('all of it\n');
      expect(await e.status()).to.deep.equal({ metadata: {}, status: 'Success' });
      expect(e.out.text()).to.equal('all of it\n');
    });
  });
});
