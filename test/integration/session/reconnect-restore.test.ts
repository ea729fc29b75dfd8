// The session's parts on a reconnecting connection (real OpenSSH sshd on 127.0.0.1 as the "pod", a forwarding
// "kubectl" killed by its pid, real sshfs): after the reconnect the mount is served again at the same path by a
// new sshfs (a file opened in the old one fails), its journal entry unchanged; --expose listens again; --to-pod
// listeners need nothing. The "pod" is this machine, so its root is read through the mount.
import { expect } from 'chai';
import fs from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { defaultConfig, type SessionOptions } from '../../../src/config/index.js';
import { fuseMountAt, missingFusePiece } from '../../../src/host/fuse.js';
import { listenToPod } from '../../../src/inbound/to-pod.js';
import { mountPodRoot } from '../../../src/inbound/mount.js';
import type { ProxyConnection } from '../../../src/tunnel/connect.js';
import type { ReconnectingConnection } from '../../../src/tunnel/reconnect.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { exposeInbound } from '../../../src/session/inbound.js';
import { SessionJournal } from '../../../src/session/journal.js';
import { mountVolumes } from '../../../src/session/mount.js';
import type { Session, SessionDeps } from '../../../src/session/session.js';
import { SessionSignals } from '../../../src/session/signals.js';
import { UndoStack } from '../../../src/session/undo.js';
import { waitFor } from '../../helpers/poll.js';
import { freePort } from '../../helpers/ports.js';
import { roundTrip } from '../../helpers/round-trip.js';
import { useForwardedSshd } from '../helpers/forwarded-sshd.js';

/** The pid of the sshfs serving `fsname` (test only). */
function sshfsPid(fsname: string): number | null {
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'sshfs' && argv.some((a) => a.includes(`fsname=${fsname},`))) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

describe('restore after a reconnect (real sshd and sshfs, a forwarding "kubectl")', function () {
  this.timeout(60_000);
  const key = generateSessionKey('test');
  const pod = useForwardedSshd(key, 'tp-restore-');
  let dir: string;
  let conn: ProxyConnection;
  const progress: string[] = [];

  before(() => {
    dir = pod.dir;
    fs.writeFileSync(path.join(dir, 'hostname'), 'the-pod\n');
  });
  beforeEach(async () => {
    progress.length = 0;
    conn = await pod.connect((l) => progress.push(l));
  });
  afterEach(async () => conn.close());

  /** A session of the parts these steps use; what it logs and warns in `logged`/`warnings`. */
  function session(options: Partial<SessionOptions>): { s: Session; logged: string[]; warnings: string[] } {
    const logged: string[] = [];
    const warnings: string[] = [];
    const log = (l: string) => { logged.push(l); };
    const deps = { volumes: { missing: missingFusePiece, mount: mountPodRoot } } as unknown as SessionDeps;
    const s: Session = {
      options: { expose: [], fromPod: [], toPod: [], mount: false, ...options } as SessionOptions,
      config: defaultConfig(), env: { PATH: process.env.PATH }, terminal: { stdout: () => undefined, stderr: () => undefined }, deps, log,
      undo: new UndoStack(), signals: new SessionSignals(log), progress: log, warn: (l) => { warnings.push(l); log(l); },
    };
    return { s, logged, warnings };
  }

  async function killPortForward(): Promise<void> {
    const c = conn as ReconnectingConnection;
    const pid = c.portForwardPid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the recovery line', 15_000, () => (progress.some((l) => l.startsWith('Reconnected to the proxy pod in ')) ? true : undefined), 10);
    expect(c.portForwardPid).to.not.equal(pid);
  }

  it('the mount: a new sshfs at the same path serves the pod again; a file opened in the old one fails; the journal entry is unchanged', async () => {
    const mountPoint = path.join(dir, 'root');
    const { s, logged, warnings } = session({ mount: mountPoint });
    const journal = SessionJournal.open(path.join(dir, 'journal'), { sessionId: 'rr1', pid: process.pid, context: 'c', namespace: 'n', deployment: 'd', started: '' });
    let old: FileHandle | null = null;
    try {
      expect(await mountVolumes(s, conn, 'rr1', journal)).to.equal(mountPoint);
      const through = path.join(mountPoint, dir, 'hostname');
      expect(await readFile(through, 'utf8')).to.equal('the-pod\n');
      old = await open(through, 'r');
      const firstSshfs = sshfsPid('telepresence-rr1');
      const entry = JSON.stringify(journal.pending);
      await killPortForward();
      const restoredAt = Date.now();
      const text = await waitFor('the mount to answer again', 10_000, () => readFile(through, 'utf8'), 20);
      expect(text).to.equal('the-pod\n');
      console.log(`      the mount answered again ${Date.now() - restoredAt} ms after the port-forward was killed`);
      expect(fuseMountAt(mountPoint)).to.deep.include({ mountPoint, fstype: 'fuse.sshfs', source: 'telepresence-rr1' });
      expect(sshfsPid('telepresence-rr1')).to.not.equal(firstSshfs);
      expect(await old.read(Buffer.alloc(64), 0, 64, 0).then(() => 'read', (err: NodeJS.ErrnoException) => err.code)).to.be.oneOf(['ENOTCONN', 'EIO', 'ECONNABORTED']);
      expect(JSON.stringify(journal.pending)).to.equal(entry);
      expect(logged).to.include(`after the reconnect: the pod's volumes are mounted again at ${mountPoint}`);
      expect(warnings).to.deep.equal([]);
    } finally {
      // (a handle left to the garbage collector fails its close with an uncaught ENOTCONN)
      await old?.close().catch(() => undefined);
      await s.undo.unwind();
      s.signals.dispose();
    }
    expect(fuseMountAt(mountPoint)).to.equal(undefined);
    expect(fs.existsSync(mountPoint)).to.equal(false);
    expect(journal.pending).to.deep.equal([]);
  });

  it('--expose listens again on the new connection; --to-pod listeners carry new connections over it unchanged', async () => {
    const [podPort, toPodPort] = [await freePort(), await freePort()];
    const server = net.createServer((c) => c.on('data', (d: Buffer) => c.end(`workstation got ${d.toString()}`)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const local = (server.address() as net.AddressInfo).port;
    const { s, logged, warnings } = session({ expose: [{ podPort, workstationPort: local }] });
    // The "pod" is this machine: --to-pod PORT's stream goes to the server's port in place of the same PORT.
    const toPodTunnel = { openStream: (host: string, _port: number): Promise<Duplex> => conn.tunnel.openStream(host, local) };
    const toPod = await listenToPod(toPodTunnel, [toPodPort], () => undefined);
    try {
      await exposeInbound(s, conn);
      expect(await roundTrip(podPort, 'before')).to.equal('workstation got before');
      expect(await roundTrip(toPodPort, 'to-pod before')).to.equal('workstation got to-pod before');
      await killPortForward();
      const restoredAt = Date.now();
      expect(await waitFor('the forward to answer again', 15_000, async () => {
        const got = await roundTrip(podPort, 'after');
        return got.startsWith('error') ? undefined : got;
      }, 20)).to.equal('workstation got after');
      expect(Date.now() - restoredAt).to.be.below(3000);
      expect(await roundTrip(toPodPort, 'to-pod after')).to.equal('workstation got to-pod after');
      expect(logged).to.include(`after the reconnect: port ${podPort} of the proxy pod reaches localhost:${local} here again`);
      expect(warnings).to.deep.equal([]);
    } finally {
      await toPod.close();
      await s.undo.unwind();
      s.signals.dispose();
      server.close();
    }
    expect(await roundTrip(podPort, 'gone')).to.equal('error ECONNREFUSED');
  });
});
