// The streaming verbs in the whole local test cluster with the real kubectl and client-node: exec (WebSocket v5
// and SPDY, -i, -it with a resize through node-pty), cp both ways, logs -f/--previous/--tail/--timestamps, run
// --rm -i (attach) and run --expose. One namespace and its pods serve every case, so the suite stays quick.
import { expect } from 'chai';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { execa } from 'execa';
import type { V1Status } from '@kubernetes/client-node';
import { KUBECTL_SPDY_ONLY } from '../../unit/cluster/portforward/fixtures.js';
import { loadClientNode } from '../helpers/client-node.js';
import { useSharedNamespace } from '../helpers/shared-namespace.js';
import { ECHO_IMAGE, TOOLS_IMAGE } from '../helpers/pods.js';
import { checkInteractiveShell, startTerminal } from '../helpers/terminal.js';
import { waitFor } from '../../helpers/poll.js';

const pod = (name: string, command: string, extra: object = {}, spec: object = {}) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, ...spec,
    containers: [{ name: 'main', image: TOOLS_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', command], ...extra }] },
});

describe('exec, cp, logs, attach and run in the local test cluster', function () {
  this.timeout(300_000);
  const ns = useSharedNamespace('exec', [
    pod('box', 'echo box-started; exec sleep infinity'),
    // Exits when /tmp/exit appears; the restarted container starts with a fresh /tmp.
    pod('crash', 'echo "boot $(cat /proc/sys/kernel/random/uuid)"; while [ ! -e /tmp/exit ]; do sleep 0.1; done; echo bye; exit 1'),
    pod('talk', 'while read line; do echo "heard $line"; done', { stdin: true }),
  ]);
  const kubectl = (args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; bin?: string } = {}) =>
    ns.kubectl(args, opts);

  describe('kubectl exec', () => {
    for (const [name, bin, env] of [
      ['WebSocket v5.channel.k8s.io (kubectl 1.32)', 'kubectl', {}],
      ['SPDY (kubectl 1.32, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', 'kubectl', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
      ['SPDY (kubectl 1.29)', KUBECTL_SPDY_ONLY, {}],
    ] as const) {
      it(`${name}: sh -c 'exit 3' exits 3, and echo hi | exec -i cat prints hi`, async () => {
        const r = await kubectl(['exec', 'box', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { bin, env });
        expect(r).to.deep.equal({ exitCode: 3, stdout: 'out\n', stderr: 'err\ncommand terminated with exit code 3\n' });
        expect(await kubectl(['exec', '-i', 'box', '--', 'cat'], { input: 'hi\n', bin, env })).to.deep.equal({ exitCode: 0, stdout: 'hi\n', stderr: '' });
      });
    }

    it('a command that is not in the image is the runtime\'s error, not an exit code', async () => {
      const r = await kubectl(['exec', 'box', '--', 'no-such-command']);
      expect(r).to.deep.equal({ exitCode: 1, stdout: '', stderr: 'error: Internal error occurred: Internal error occurred: error executing command in container: ' +
        'failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-command": ' +
        'executable file not found in $PATH: unknown\n' });
    });

    it('exec -it through a terminal runs two commands and sees the resize', async () => {
      const t = startTerminal('kubectl', ['-n', ns.name, 'exec', '-it', 'box', '--', 'sh'], { KUBECONFIG: ns.kubeconfig }, 80, 24);
      await checkInteractiveShell(t, 'echo "$((6*7)) $(hostname)"', '42 box', 7);
    });

    it('client-node Exec: stdout, stderr and the exit code in the Status', async () => {
      const { Exec } = await loadClientNode();
      let out = '';
      let err = '';
      let status: V1Status | undefined;
      await new Exec(ns.kc).exec(ns.name, 'box', 'main', ['sh', '-c', 'echo to-out; echo to-err >&2; exit 4'],
        new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } }),
        new Writable({ write(c: Buffer, _e, cb) { err += c.toString(); cb(); } }), null, false, (s) => { status = s; });
      expect(await waitFor('the Status', 20_000, () => status)).to.deep.equal({ metadata: {}, status: 'Failure',
        message: 'command terminated with non-zero exit code: command terminated with exit code 4', reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '4' }] } });
      expect({ out, err }).to.deep.equal({ out: 'to-out\n', err: 'to-err\n' });
    });
  });

  it('kubectl cp round-trips a 5 MB file both ways with the same sha256', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-cp-'));
    try {
      const data = crypto.randomBytes(5 * 1024 * 1024);
      const sum = crypto.createHash('sha256').update(data).digest('hex');
      await fs.writeFile(path.join(dir, 'big.bin'), data);
      const started = Date.now();
      expect(await kubectl(['cp', path.join(dir, 'big.bin'), 'box:/tmp/big.bin'])).to.deep.equal({ exitCode: 0, stdout: '', stderr: '' });
      expect((await kubectl(['exec', 'box', '--', 'sha256sum', '/tmp/big.bin'])).stdout).to.equal(`${sum}  /tmp/big.bin\n`);
      const back = await kubectl(['cp', 'box:/tmp/big.bin', path.join(dir, 'back.bin')]);
      expect(back.exitCode).to.equal(0);
      expect(crypto.createHash('sha256').update(await fs.readFile(path.join(dir, 'back.bin'))).digest('hex')).to.equal(sum);
      console.log(`      cp 5 MB up, check, and down: ${Date.now() - started} ms`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  describe('kubectl logs', () => {
    it('-f shows a line written after it started, while it still runs; --tail, --since and --timestamps', async () => {
      const follow = execa('kubectl', ['-n', ns.name, 'logs', '-f', 'box'], { env: { KUBECONFIG: ns.kubeconfig }, reject: false });
      let out = '';
      follow.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      try {
        await waitFor('the first line', 20_000, () => (out === 'box-started\n' ? true : undefined), 20);
        const line = `later-${crypto.randomBytes(4).toString('hex')}`;
        // Written to the container's stdout (PID 1's), so it lands in the container's log. The time counts from
        // before the exec, so it bounds the delay from above (printed: a speed figure, not asserted).
        const writing = Date.now();
        await kubectl(['exec', 'box', '--', 'sh', '-c', `echo ${line} > /proc/1/fd/1`]);
        await waitFor('the later line', 5_000, () => (out === `box-started\n${line}\n` ? true : undefined), 10);
        const ms = Date.now() - writing;
        console.log(`      logs -f: the new line arrived within ${ms} ms of the exec that wrote it`);
        expect(follow.exitCode).to.equal(null);
        expect((await kubectl(['logs', 'box', '--tail=1'])).stdout).to.equal(`${line}\n`);
        expect((await kubectl(['logs', 'box', '--since=1h'])).stdout).to.equal(`box-started\n${line}\n`);
        expect((await kubectl(['logs', 'box', '--timestamps'])).stdout)
          .to.match(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z box-started\\n\\S+Z ${line}\\n$`));
      } finally {
        follow.kill();
      }
    });

    it('--previous shows the last terminated container after a restart', async () => {
      const first = await waitFor('the boot line', 20_000, async () => /^boot (\S+)\n$/.exec((await kubectl(['logs', 'crash'])).stdout)?.[1]);
      expect((await kubectl(['logs', 'crash', '--previous'])).stderr)
        .to.equal('Error from server (BadRequest): previous terminated container "main" in pod "crash" not found\n');
      await kubectl(['exec', 'crash', '--', 'touch', '/tmp/exit']);
      const second = await waitFor('the restarted container', 60_000, async () => {
        const m = /^boot (\S+)\n$/.exec((await kubectl(['logs', 'crash'])).stdout);
        return m && m[1] !== first ? m[1] : undefined;
      });
      expect(second).to.not.equal(first);
      expect(await kubectl(['logs', 'crash', '--previous'])).to.deep.equal({ exitCode: 0, stdout: `boot ${first}\nbye\n`, stderr: '' });
      expect((await kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout).to.equal('1');
    });
  });

  describe('attach and kubectl run', () => {
    it('client-node Attach writes to the container\'s stdin and reads its stdout', async () => {
      const { Attach } = await loadClientNode();
      let out = '';
      const input = new PassThrough();
      const ws = await new Attach(ns.kc).attach(ns.name, 'talk', 'main', new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } }),
        null, input, false);
      input.write('over attach\n');
      await waitFor('the answer', 20_000, () => (out === 'heard over attach\n' ? true : undefined), 20);
      (ws as unknown as { close(): void }).close();
    });

    it('kubectl attach -i: piped stdin reaches the container, and its output goes on after stdin ended', async () => {
      const attach = execa('kubectl', ['-n', ns.name, 'attach', '-i', 'talk'], { env: { KUBECONFIG: ns.kubeconfig }, input: 'from kubectl\n', reject: false });
      let out = '';
      attach.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      try {
        await waitFor('the answer', 20_000, () => (out === 'heard from kubectl\n' ? true : undefined), 20);
        // talk has stdin but not stdinOnce: its stdin stays open, and what it prints later still arrives.
        await kubectl(['exec', 'talk', '--', 'sh', '-c', 'echo later > /proc/1/fd/1']);
        await waitFor('the later line', 10_000, () => (out === 'heard from kubectl\nlater\n' ? true : undefined), 20);
        expect(attach.exitCode).to.equal(null);
      } finally {
        attach.kill();
      }
    });

    it('run --rm -i --restart=Never prints and is gone', async () => {
      const started = Date.now();
      const r = await kubectl(['run', 'once', '--rm', '-i', '--restart=Never', `--image=${TOOLS_IMAGE}`, '--image-pull-policy=Never', '--',
        // $(cat) ends only with stdin's end: the container's stdin closes when the attached kubectl closes it (stdinOnce)
        'sh', '-c', 'echo "got $(cat)"'], { input: 'hi\n' });
      console.log(`      run --rm -i: ${Date.now() - started} ms`);
      expect(r).to.deep.equal({ exitCode: 0, stdout: 'got hi\npod "once" deleted\n', stderr: 'If you don\'t see a command prompt, try pressing enter.\n' });
      expect((await kubectl(['get', 'pod', 'once'])).stderr).to.equal('Error from server (NotFound): pods "once" not found\n');
    });

    it('run --expose --port creates the Service, and another pod reaches the pod through it', async () => {
      const r = await kubectl(['run', 'web', `--image=${ECHO_IMAGE}`, '--image-pull-policy=Never', '--port=8080', '--expose']);
      expect(r).to.deep.equal({ exitCode: 0, stdout: 'service/web created\npod/web created\n', stderr: '' });
      const svc = JSON.parse((await kubectl(['get', 'service', 'web', '-o', 'json'])).stdout) as
        { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number; protocol: string }[] } };
      expect({ selector: svc.spec.selector, ports: svc.spec.ports }).to.deep.equal({ selector: { run: 'web' }, ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] });
      const answer = await waitFor('the echo pod through the Service', 60_000, async () => {
        const c = await kubectl(['exec', 'box', '--', 'curl', '-sS', '--max-time', '2', 'http://web:8080/through-svc']);
        return c.exitCode === 0 ? JSON.parse(c.stdout) as { pod: string; path: string } : undefined;
      }, 500);
      expect(answer).to.include({ pod: 'web', path: '/through-svc' });
    });
  });
});
