// sshfs over an sftp channel of a real SSH connection (OpenSSH sshd on 127.0.0.1, as root): the
// "pod" root is this machine's, so a file made here is read through the mount and back; unmount
// (busy: lazily), and the repairer of a mount whose session died. The mount is served by this very
// process's event loop, so the test reads through it only with async fs (sync calls would deadlock).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MOUNT_READAHEAD_KB } from '../../../src/engine/mount.js';
import { fuseMountAt, unmountFuse } from '../../../src/host/fuse.js';
import { mountPodRoot, mountRepairer, type PodMount } from '../../../src/inbound/mount.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { SshTunnel } from '../../../src/tunnel/ssh.js';
import { waitFor } from '../../helpers/poll.js';
import { startTestSshd, type TestSshd } from '../helpers/sshd.js';

/** The pid of the sshfs serving `fsname` (test only: the product never looks processes up by name). */
function sshfsPid(fsname: string): number {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'sshfs' && argv.some((a) => a.includes(`fsname=${fsname},`))) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no sshfs of ${fsname}`);
}

describe('sshfs over the session SSH connection (real sshd and sshfs)', function () {
  this.timeout(30000);
  const key = generateSessionKey('test');
  let sshd: TestSshd;
  let data: string;
  let mountPoint: string;

  before(async () => {
    sshd = await startTestSshd(key.publicKey);
    data = mkdtempSync(path.join(os.tmpdir(), 'tp-mount-data-'));
    writeFileSync(path.join(data, 'config.yaml'), 'from: the pod\n', { mode: 0o640 });
  });
  beforeEach(() => { mountPoint = mkdtempSync(path.join(os.tmpdir(), 'tp-mount-')); });
  afterEach(async () => {
    // A test that failed while mounted: detached first (async), as rmSync into a mount this process serves would hang it.
    if (fuseMountAt(mountPoint)) await unmountFuse(mountPoint);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  after(async () => {
    await sshd?.stop();
    rmSync(data, { recursive: true, force: true });
  });

  const connect = () => SshTunnel.connect({ host: '127.0.0.1', port: sshd.port, username: 'root', privateKey: key.privateKey, readyTimeoutMs: 5000 });

  async function mount(tunnel: SshTunnel, fsname: string): Promise<PodMount> {
    const m = await mountPodRoot(tunnel, { mountPoint, fsname, allowOther: false });
    if (!('unmount' in m)) throw new Error(`not mounted: ${JSON.stringify(m)}`);
    return m;
  }

  it('reads and writes both ways with the pod side modes, and unmounts', async () => {
    const tunnel = await connect();
    try {
      const m = await mount(tunnel, 'telepresence-test1');
      const listed = fuseMountAt(mountPoint);
      expect(listed).to.deep.include({ mountPoint, fstype: 'fuse.sshfs', source: 'telepresence-test1' });
      // The kernel's readahead for the mount is raised from its 128 KiB default (sequential reads, fewer round trips).
      expect(readFileSync(`/sys/class/bdi/${listed!.device}/read_ahead_kb`, 'utf8').trim()).to.equal(String(MOUNT_READAHEAD_KB));
      const through = path.join(mountPoint, data);
      expect(await readFile(path.join(through, 'config.yaml'), 'utf8')).to.equal('from: the pod\n');
      expect((await stat(path.join(through, 'config.yaml'))).mode & 0o777).to.equal(0o640);
      await writeFile(path.join(through, 'written-here'), 'from the workstation\n');
      expect(readFileSync(path.join(data, 'written-here'), 'utf8')).to.equal('from the workstation\n');
      expect(await m.unmount()).to.equal('unmounted');
      expect(fuseMountAt(mountPoint)).to.equal(undefined);
    } finally {
      tunnel.close();
    }
  });

  it('a busy mount is detached lazily', async () => {
    const tunnel = await connect();
    try {
      const m = await mount(tunnel, 'telepresence-test2');
      // cd after exec: spawn's own chdir would block this process, which serves the mount.
      const busy = spawn('sh', ['-c', 'cd "$1" && echo in && exec sleep 30', 'sh', path.join(mountPoint, data)]);
      await new Promise((r) => busy.stdout.once('data', r));
      try {
        expect(await m.unmount()).to.equal('lazily');
        expect(fuseMountAt(mountPoint)).to.equal(undefined);
      } finally {
        busy.kill('SIGKILL');
      }
    } finally {
      tunnel.close();
    }
  });

  it('the repairer unmounts the stale mount of a dead session and says so; a mount of another source is left', async () => {
    const tunnel = await connect();
    await mount(tunnel, 'telepresence-dead1');
    // Killed with its session (sshfs that sees its stdin end unmounts by itself): the mount stays, stale.
    process.kill(sshfsPid('telepresence-dead1'), 'SIGKILL');
    tunnel.close();
    await waitFor('the mount to go stale', 10_000, () => stat(mountPoint).then(() => undefined, (err: NodeJS.ErrnoException) => err.code));
    const session = { sessionId: 'dead1', pid: 4242, started: '' };
    expect(await mountRepairer.repair({ mountPoint, fsname: 'telepresence-other', created: [] }, session)).to.deep.equal([]);
    expect(fuseMountAt(mountPoint)?.source).to.equal('telepresence-dead1');
    expect(await mountRepairer.repair({ mountPoint, fsname: 'telepresence-dead1', created: [mountPoint] }, session)).to.deep.equal([
      `unmounted the pod's volumes at ${mountPoint} (sshfs of an earlier session, pid 4242)`,
    ]);
    expect(fuseMountAt(mountPoint)).to.equal(undefined);
    expect(await stat(mountPoint).then(() => 'there', (err: NodeJS.ErrnoException) => err.code)).to.equal('ENOENT');
  });
});
