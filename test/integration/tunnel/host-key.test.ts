// Host key pinning against a real OpenSSH sshd on 127.0.0.1: the pinned key connects; another pinned key
// is refused before any login with the session's one line, at once (no retry until the deadline), and
// connectToProxy stops its port-forward (a fake kubectl whose "forward" is the sshd's own port).
import { expect } from 'chai';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { HostKeyMismatchError } from '../../../src/errors.js';
import { connectToProxy } from '../../../src/tunnel/connect.js';
import { pinHostKey } from '../../../src/tunnel/host-key.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { installFakeRunner, type FakeRunner } from '../../unit/host/fake-runner.js';
import { startTestSshd, type TestSshd } from '../helpers/sshd.js';

const tick = () => new Promise((r) => setImmediate(r));

/** ssh-keygen's own fingerprint of a .pub file: the test does not trust the code under test for it. */
async function fingerprintOf(pubFile: string): Promise<string> {
  return (await execa('ssh-keygen', ['-l', '-f', pubFile])).stdout.split(' ')[1]!;
}

describe('SSH host key pinning (real sshd on 127.0.0.1)', function () {
  this.timeout(30_000);
  const key = generateSessionKey('test');
  let sshd: TestSshd;
  let hostKeyLine: string;
  let hostFp: string;
  let otherLine: string;
  let otherFp: string;
  let fake: FakeRunner | null = null;

  before(async () => {
    sshd = await startTestSshd(key.publicKey);
    const pub = path.join(sshd.dir, 'host_key.pub');
    hostKeyLine = fs.readFileSync(pub, 'utf8');
    hostFp = await fingerprintOf(pub);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(sshd.dir, 'other')]);
    otherLine = fs.readFileSync(path.join(sshd.dir, 'other.pub'), 'utf8');
    otherFp = await fingerprintOf(path.join(sshd.dir, 'other.pub'));
  });
  after(async () => { await sshd?.stop(); });
  afterEach(() => { fake?.restore(); fake = null; });

  const connect = (line: string) => SshTunnel.connect({
    host: '127.0.0.1', port: sshd.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000, hostKey: pinHostKey(line, 'tp-pod-1'),
  });
  const mismatchLine = (expected: string, got: string) => `the proxy pod's SSH host key did not match (pod tp-pod-1: expected ${expected}, got ${got}): `
    + "the connection is not to the pod this session started; try again, and if it repeats, check what is listening on the session's kubectl port-forward";

  it('the pinned key of this sshd connects', async () => {
    expect(pinHostKey(hostKeyLine, 'tp-pod-1').fingerprint).to.equal(hostFp);
    const tunnel = await connect(hostKeyLine);
    try {
      expect(await tunnel.exec('echo pinned')).to.equal('pinned\n');
    } finally {
      tunnel.close();
    }
  });

  it('another pinned key is refused with the line, naming both fingerprints', async () => {
    let err: unknown;
    try { (await connect(otherLine)).close(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(HostKeyMismatchError);
    expect((err as Error).message).to.equal(mismatchLine(otherFp, hostFp));
  });

  it('connectToProxy: a mismatch ends at once, after one attempt, and stops the port-forward', async () => {
    fake = installFakeRunner();
    const started = Date.now();
    const connecting = connectToProxy({ kubectlArgs: [] }, 'tp-pod-1', key, { sshConnectMs: 20_000, username: 'root', hostKey: pinHostKey(otherLine, 'tp-pod-1') });
    await tick();
    // The fake kubectl's "forward" is the sshd itself.
    fake.children[0]!.stdout.write(`Forwarding from 127.0.0.1:${sshd.port} -> 8022\n`);
    let err: unknown;
    try { (await connecting).close(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(HostKeyMismatchError);
    expect((err as Error).message).to.equal(mismatchLine(otherFp, hostFp));
    expect(Date.now() - started).to.be.below(5000);
    expect(fake.children.map((c) => c.kills)).to.deep.equal([['SIGTERM']]);
  });

  /** A value given later, as --deployment's exec gives the key and the user once it has run. */
  const later = <T>() => {
    let give: (v: T) => void = () => undefined;
    let refuse: (e: Error) => void = () => undefined;
    const promise = new Promise<T>((resolve, reject) => { give = resolve; refuse = reject; });
    promise.catch(() => undefined);
    return { promise, give, refuse };
  };

  it('a key and a user given during the handshake: it waits for them, then connects as that user', async () => {
    const hostKey = later<ReturnType<typeof pinHostKey>>();
    const user = later<string>();
    let connected = false;
    const connecting = SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: user.promise, privateKey: key.privateKey, readyTimeoutMs: 10_000, hostKey: hostKey.promise })
      .then((t) => { connected = true; return t; });
    // sshd has long answered the key exchange by now; without the key and the user there is no login.
    await new Promise((r) => setTimeout(r, 300));
    expect(connected).to.equal(false);
    hostKey.give(pinHostKey(hostKeyLine, 'tp-pod-1'));
    user.give('root');
    const tunnel = await connecting;
    try {
      expect(await tunnel.exec('id -un')).to.equal('root\n');
    } finally {
      tunnel.close();
    }
  });

  it('another key given during the handshake is the mismatch line', async () => {
    const hostKey = later<ReturnType<typeof pinHostKey>>();
    const connecting = SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: Promise.resolve('root'), privateKey: key.privateKey, readyTimeoutMs: 10_000, hostKey: hostKey.promise });
    setTimeout(() => hostKey.give(pinHostKey(otherLine, 'tp-pod-1')), 100);
    let err: unknown;
    try { (await connecting).close(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(HostKeyMismatchError);
    expect((err as Error).message).to.equal(mismatchLine(otherFp, hostFp));
  });

  it('a key that is refused during the handshake ends it at once with that reason (not at readyTimeout)', async function () {
    // readyTimeout is far beyond this test's own timeout: a connection that waited for it fails the test.
    this.timeout(8000);
    const hostKey = later<ReturnType<typeof pinHostKey>>();
    const connecting = SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 60_000, hostKey: hostKey.promise });
    setTimeout(() => hostKey.refuse(new Error('pod tp-pod-1 speaks pod protocol 2')), 100);
    let err: unknown;
    try { (await connecting).close(); } catch (e) { err = e; }
    expect((err as Error).message).to.equal(`cannot open the SSH connection to the proxy pod at 127.0.0.1:${sshd.port}: the pod's host key is not known: pod tp-pod-1 speaks pod protocol 2`);
  });

  it('connectToProxy: a pod that fails while its port-forward and handshake run ends with the pod\'s own error, and the port-forward is stopped', async function () {
    this.timeout(8000);
    fake = installFakeRunner();
    const hostKey = later<ReturnType<typeof pinHostKey>>();
    const user = later<string>();
    const connecting = connectToProxy({ kubectlArgs: [] }, 'tp-pod-1', key, { sshConnectMs: 60_000, username: user.promise, hostKey: hostKey.promise });
    await tick();
    fake.children[0]!.stdout.write(`Forwarding from 127.0.0.1:${sshd.port} -> 8022\n`);
    const refusal = new Error('pod tp-pod-1 of Deployment web speaks pod protocol 2');
    setTimeout(() => { hostKey.refuse(refusal); user.refuse(refusal); }, 200);
    let err: unknown;
    try { (await connecting).close(); } catch (e) { err = e; }
    expect(err).to.equal(refusal);
    expect(fake.children.map((c) => c.kills)).to.deep.equal([['SIGTERM']]);
  });

  it('connectToProxy: the right key connects through the same fake forward', async () => {
    fake = installFakeRunner();
    const connecting = connectToProxy({ kubectlArgs: [] }, 'tp-pod-1', key, { sshConnectMs: 20_000, username: 'root', hostKey: pinHostKey(hostKeyLine, 'tp-pod-1') });
    await tick();
    fake.children[0]!.stdout.write(`Forwarding from 127.0.0.1:${sshd.port} -> 8022\n`);
    const conn = await connecting;
    try {
      expect(await conn.tunnel.exec('echo through')).to.equal('through\n');
    } finally {
      conn.close();
    }
    expect(fake.children.map((c) => c.kills)).to.deep.equal([['SIGTERM']]);
  });
});
