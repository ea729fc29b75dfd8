// The proxy image, built locally and run with `--network none`: sshd and the pod program run as
// uid 1000, only the session's key logs in, the published host key is sshd's, sftp and direct-tcpip
// work, SIGTERM stops it cleanly.
// Base image: TP_PROXY_POD_BASE, else telepresence-test/base:dev (it must hold openssh-server).
import { expect } from 'chai';
import { execa } from 'execa';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../../../src/config/version.js';
import { defaultProxyImage, POD_HOST_KEY_FILE } from '../../../src/protocol/index.js';
import { waitFor } from '../../helpers/poll.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BASE = process.env.TP_PROXY_POD_BASE ?? 'telepresence-test/base:dev';
const TAG = defaultProxyImage(packageVersion());
const SSH_OPTS = ['-p', '8022', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  await waitFor(what, ms, async () => ((await check()) ? true : undefined));
}

const logs = async (name: string): Promise<string> => (await execa('docker', ['logs', name], { all: true, reject: false })).all ?? '';

describe('proxy-pod image (docker, --network none)', function () {
  this.timeout(120_000);
  const name = `tp-proxy-test-${process.pid}`;
  const failing = `tp-proxy-test-nokey-${process.pid}`;
  let keys: string;

  before(async () => {
    keys = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-proxy-keys-'));
    for (const k of ['good', 'bad']) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, k)]);
    await execa(path.join(REPO, 'proxy-pod/build.sh'), ['--base', BASE, '--tag', TAG]);
    const pubkey = fs.readFileSync(path.join(keys, 'good.pub'), 'utf8').trim();
    await execa('docker', ['run', '-d', '--name', name, '--network', 'none', '-e', `TELEPRESENCE_SSH_PUBKEY=${pubkey}`, '-e', 'WEB_SERVICE_HOST=10.96.0.5', TAG]);
    await until('sshd and the pod program', async () => {
      const text = await logs(name);
      return text.includes('Server listening on 0.0.0.0 port 8022') && text.includes('proxy pod ready');
    });
    for (const k of ['good', 'bad']) {
      await execa('docker', ['exec', '-i', name, 'sh', '-c', `umask 077; cat > /tmp/${k}`], { input: fs.readFileSync(path.join(keys, k)) });
    }
  });
  after(async () => {
    await execa('docker', ['rm', '-f', name, failing], { reject: false });
    fs.rmSync(keys, { recursive: true, force: true });
  });

  const ssh = (key: string, command: string, extra: string[] = []) =>
    execa('docker', ['exec', name, 'ssh', ...SSH_OPTS, ...extra, '-i', `/tmp/${key}`, 'telepresence@127.0.0.1', command], { reject: false });

  it('runs every process as uid 1000, none as root', async () => {
    const { stdout } = await execa('docker', ['exec', name, 'ps', '-eo', 'uid=,comm=']);
    const rows = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r[1])).to.include.members(['node', 'sshd']);
    expect(rows.filter((r) => r[0] !== '1000')).to.deep.equal([]);
  });

  it('accepts the session key and runs commands as telepresence', async () => {
    const r = await ssh('good', 'id -un; id -u');
    expect(r.stdout).to.equal('telepresence\n1000');
    expect(r.exitCode).to.equal(0);
  });

  it('refuses another key, and offers no password method', async () => {
    const r = await ssh('bad', 'id');
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.contain('telepresence@127.0.0.1: Permission denied (publickey).');
  });

  it('serves pod info over SSH with the container environment', async () => {
    const r = await ssh('good', 'telepresence-podinfo');
    const info = JSON.parse(r.stdout) as { protocolVersion: number; env: Record<string, string>; mountpoints: string[] };
    expect(info.protocolVersion).to.equal(1);
    expect(info.env).to.deep.equal({ WEB_SERVICE_HOST: '10.96.0.5' });
    expect(info.mountpoints).to.deep.equal([]);
  });

  it('publishes the host key its sshd shows (what the launcher pins) and logs its fingerprint', async () => {
    const published = (await execa('docker', ['exec', name, 'cat', POD_HOST_KEY_FILE])).stdout.trim().split(' ').slice(0, 2).join(' ');
    const scanned = (await execa('docker', ['exec', name, 'ssh-keyscan', '-t', 'ed25519', '-p', '8022', '127.0.0.1'])).stdout.trim();
    expect(published).to.match(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    expect(scanned).to.equal(`[127.0.0.1]:8022 ${published}`);
    const fp = (await execa('docker', ['exec', name, 'ssh-keygen', '-l', '-f', POD_HOST_KEY_FILE])).stdout;
    expect((await logs(name)).split('\n')).to.include(`telepresence proxy: SSH host key ${fp}`);
  });

  it('serves sftp (for volume mounts)', async () => {
    const r = await execa('docker', ['exec', '-i', name, 'sftp', '-b', '-', ...SSH_OPTS.map((o) => (o === '-p' ? '-P' : o)), '-i', '/tmp/good', 'telepresence@127.0.0.1'], {
      input: 'ls /opt/telepresence/bin\n',
      reject: false,
    });
    expect(r.stdout).to.contain('/opt/telepresence/bin/node');
    expect(r.exitCode).to.equal(0);
  });

  it('carries a direct-tcpip stream to the SOCKS port (greeting, EOF -> 05 00, closed)', async () => {
    const r = await execa('docker', ['exec', '-i', name, 'ssh', ...SSH_OPTS, '-i', '/tmp/good', '-W', '127.0.0.1:9050', 'telepresence@127.0.0.1'], {
      input: Buffer.from([5, 1, 0]),
      encoding: 'buffer',
      reject: false,
      timeout: 10_000,
    });
    expect(Buffer.from(r.stdout).toString('hex')).to.equal('0500');
    expect(r.exitCode).to.equal(0); // the server closed the stream: no timeout
  });

  it('answers DNS on 9053 inside the pod', async () => {
    const r = await execa('docker', ['exec', name, 'dig', '@127.0.0.1', '-p', '9053', '+short', 'hellotelepresence-1.example.com']);
    expect(r.stdout).to.equal('127.0.0.1');
  });

  it('allows remote forwards (for --expose): a port opened by sshd reaches back through the client', async () => {
    // The forward's far end is the pod's own DNS over TCP, so the round trip stays in the container.
    const r = await ssh('good', 'dig @127.0.0.1 -p 19999 +tcp +short +time=3 +tries=1 hellotelepresence-2.example.org', ['-o', 'ExitOnForwardFailure=yes', '-R', '19999:127.0.0.1:9053']);
    expect(r.stdout).to.equal('127.0.0.1');
    expect(r.exitCode).to.equal(0);
  });

  it('refuses to start with a malformed public key, saying why', async () => {
    const r = await execa('docker', ['run', '--name', failing, '--network', 'none', '-e', 'TELEPRESENCE_SSH_PUBKEY=ssh-ed25519 not-base64!', TAG], { reject: false });
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal('telepresence proxy: TELEPRESENCE_SSH_PUBKEY is not an OpenSSH public key line ("ssh-ed25519 AAAA... comment"): ssh-ed25519 not-base64!');
  });

  it('starts without a public key (--deployment): nobody logs in until a key line is added, which then logs in at once', async () => {
    const keyless = `tp-proxy-test-keyless-${process.pid}`;
    try {
      await execa('docker', ['run', '-d', '--name', keyless, '--network', 'none', TAG]);
      await until('sshd without a key', async () => (await logs(keyless)).includes('Server listening on 0.0.0.0 port 8022'));
      expect((await logs(keyless)).split('\n')).to.include('telepresence proxy: no TELEPRESENCE_SSH_PUBKEY: no key may log in until a session authorizes its own (telepresence --deployment)');
      expect((await execa('docker', ['exec', keyless, 'cat', '/home/telepresence/.ssh/authorized_keys'])).stdout).to.equal('');
      await execa('docker', ['exec', '-i', keyless, 'sh', '-c', 'umask 077; cat > /tmp/good'], { input: fs.readFileSync(path.join(keys, 'good')) });
      const login = () => execa('docker', ['exec', keyless, 'ssh', ...SSH_OPTS, '-i', '/tmp/good', 'telepresence@127.0.0.1', 'id -u'], { reject: false });
      const before = await login();
      expect([before.exitCode, before.stderr]).to.deep.equal([255, 'telepresence@127.0.0.1: Permission denied (publickey).']);
      const pubkey = fs.readFileSync(path.join(keys, 'good.pub'), 'utf8').trim();
      await execa('docker', ['exec', keyless, 'sh', '-c', 'printf "%s\\n" "$1" >> /home/telepresence/.ssh/authorized_keys', 'sh', pubkey]);
      const after = await login();
      expect([after.exitCode, after.stdout]).to.deep.equal([0, '1000']);
    } finally {
      await execa('docker', ['rm', '-f', keyless], { reject: false });
    }
  });

  it('privileged variant (--user 0): root and telepresence both log in with the key and read pod info', async () => {
    const root = `tp-proxy-test-root-${process.pid}`;
    const pubkey = fs.readFileSync(path.join(keys, 'good.pub'), 'utf8').trim();
    try {
      await execa('docker', ['run', '-d', '--name', root, '--user', '0', '--network', 'none', '-e', `TELEPRESENCE_SSH_PUBKEY=${pubkey}`, '-e', 'WEB_SERVICE_HOST=10.96.0.5', TAG]);
      await until('sshd as root', async () => (await logs(root)).includes('Server listening on 0.0.0.0 port 8022'));
      await execa('docker', ['exec', '-i', root, 'sh', '-c', 'umask 077; cat > /tmp/good'], { input: fs.readFileSync(path.join(keys, 'good')) });
      for (const [user, uid] of [['root', '0'], ['telepresence', '1000']]) {
        const r = await execa('docker', ['exec', root, 'ssh', ...SSH_OPTS, '-i', '/tmp/good', `${user}@127.0.0.1`, 'id -u; telepresence-podinfo'], { reject: false });
        const [id, json] = r.stdout.split('\n');
        expect(id, `${user}: ${r.stderr}`).to.equal(uid);
        expect((JSON.parse(json) as { env: object }).env).to.deep.equal({ WEB_SERVICE_HOST: '10.96.0.5' });
      }
    } finally {
      await execa('docker', ['rm', '-f', root], { reject: false });
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const started = Date.now();
    await execa('docker', ['stop', '-t', '10', name]);
    expect(Date.now() - started).to.be.lessThan(5000);
    const { stdout } = await execa('docker', ['inspect', '-f', '{{.State.ExitCode}}', name]);
    expect(stdout).to.equal('0');
    expect(await logs(name)).to.contain('SIGTERM: shutting down');
  });
});

describe('proxy-pod/build.sh', function () {
  this.timeout(120_000);
  const build = (args: string[]) => execa(path.join(REPO, 'proxy-pod/build.sh'), ['--base', BASE, ...args], { reject: false });

  it('tags telepresence/proxy:<package version> by default', async () => {
    const r = await build(['--print-tag']);
    expect([r.exitCode, r.stdout]).to.deep.equal([0, TAG]);
  });

  it('refuses --push of a tag that names no registry (it would go to Docker Hub)', async () => {
    const r = await build(['--push']);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.equal(`build.sh: --push needs a tag that names a registry (--tag REGISTRY/telepresence/proxy:TAG, e.g. registry.example.com/${TAG}); ${TAG} would go to Docker Hub`);
  });

  it('builds, then says which registry did not take the push', async () => {
    // A loopback port where nothing listens: the push fails at once and nothing leaves the machine.
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const registry = `127.0.0.1:${port}`;
    const tag = `${registry}/${TAG}`;
    try {
      const r = await build(['--tag', tag, '--push']);
      expect(r.exitCode).to.equal(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('build.sh:'));
      expect(lines).to.have.length(1);
      // The middle is docker's own last line (this docker: `Get "http://127.0.0.1:PORT/v2/": dial tcp ...: connection refused`).
      expect(lines[0]).to.satisfy((l: string) => l.startsWith(`build.sh: docker push ${tag} failed: `)
        && l.includes('connection refused')
        && l.endsWith(`: check that the registry ${registry} answers and accepts pushes (docker login ${registry})`), lines[0]);
      expect((await execa('docker', ['image', 'inspect', tag], { reject: false })).exitCode).to.equal(0);
    } finally {
      await execa('docker', ['rmi', tag], { reject: false });
    }
  });
});
