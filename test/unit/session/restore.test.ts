// What rides on the SSH connection, restored after a reconnect (fake tunnel and sshfs): the remote forwards of
// --expose, --from-pod and the swap's automatic ports are asked for again with the same bind address, a port
// that cannot be had is one warning line; the mount is unmounted and mounted again at the same path with the
// same fsname, its journal entry unchanged; a failed remount is one warning line; after the undo nothing is redone.
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { defaultConfig, type SessionOptions } from '../../../src/config/index.js';
import type { MountFailure, MountOptions, PodMount } from '../../../src/inbound/mount.js';
import type { ReconnectListener } from '../../../src/tunnel/reconnect.js';
import { exposeInbound } from '../../../src/session/inbound.js';
import { SessionJournal } from '../../../src/session/journal.js';
import { mountVolumes } from '../../../src/session/mount.js';
import type { PodConnection, Session, SessionDeps } from '../../../src/session/session.js';
import { SessionSignals } from '../../../src/session/signals.js';
import { UndoStack } from '../../../src/session/undo.js';

interface Fake {
  s: Session;
  connection: PodConnection;
  events: string[];
  warnings: string[];
  logged: string[];
  /** Runs the reconnect listeners, as ReconnectingConnection does after a new connection. */
  reconnect(): Promise<void>;
  /** forwardIn of these ports fails with this message. */
  refuse: Map<number, string>;
  /** The next mounts' results (default: mounted). */
  mounts: (PodMount | MountFailure | 'mounted')[];
  mountOptions: MountOptions[];
  journal: SessionJournal;
}

function fakeSession(options: Partial<SessionOptions>): Fake {
  const events: string[] = [];
  const warnings: string[] = [];
  const logged: string[] = [];
  const listeners = new Set<ReconnectListener>();
  const refuse = new Map<number, string>();
  const mounts: Fake['mounts'] = [];
  const mountOptions: MountOptions[] = [];
  let mountNo = 0;
  const connection: PodConnection = {
    tunnel: {
      openStream: () => Promise.reject(new Error('no streams')),
      exec: () => Promise.reject(new Error('no exec')),
      openSubsystem: () => Promise.reject(new Error('no subsystems')),
      forwardIn: async (bind: string, port: number, _on: (stream: Duplex) => void) => {
        events.push(`forwardIn ${bind}:${port}`);
        const refused = refuse.get(port);
        if (refused) throw new Error(refused);
        return { port, cancel: async () => { events.push(`cancel ${bind}:${port}`); } };
      },
    },
    lost: new Promise(() => undefined),
    onReconnected: (l) => { listeners.add(l); return () => void listeners.delete(l); },
    close: () => undefined,
  };
  const deps = {
    volumes: {
      missing: () => null,
      mount: async (_t: unknown, o: MountOptions) => {
        mountOptions.push(o);
        const n = ++mountNo;
        events.push(`mount ${n}`);
        const next = mounts.shift() ?? 'mounted';
        if (next !== 'mounted') return next;
        return { mountPoint: o.mountPoint, unmount: async () => { events.push(`unmount ${n}`); return 'unmounted' as const; } };
      },
    },
  } as unknown as SessionDeps;
  const log = (line: string) => { logged.push(line); };
  const s: Session = {
    options: { expose: [], fromPod: [], toPod: [], mount: true, ...options } as SessionOptions,
    config: defaultConfig(), env: {}, terminal: { stdout: () => undefined, stderr: () => undefined }, deps, log,
    undo: new UndoStack(), signals: new SessionSignals(log),
    progress: (line) => log(line),
    warn: (line) => { warnings.push(line); log(line); },
  };
  const journal = SessionJournal.open(mkdtempSync(path.join(os.tmpdir(), 'tp-restore-journal-')), {
    sessionId: 'abc', pid: process.pid, context: 'c', namespace: 'n', deployment: 'd', started: '', method: 'inject-tcp', operation: 'new',
  });
  const reconnect = async () => { for (const l of [...listeners]) await l({ pod: 'proxy-pod', previousPod: 'proxy-pod' }); };
  return { s, connection, events, warnings, logged, reconnect, refuse, mounts, mountOptions, journal };
}

describe('session: restore after a reconnect (fake tunnel)', () => {
  const fakes: Fake[] = [];
  const fake = (o: Partial<SessionOptions>) => { const f = fakeSession(o); fakes.push(f); return f; };
  afterEach(() => { for (const f of fakes.splice(0)) f.s.signals.dispose(); });

  it('--expose, the automatic ports and --from-pod are forwarded again with the same bind address; nothing after the undo', async () => {
    const f = fake({ expose: [{ podPort: 8080, workstationPort: 3000 }], fromPod: [9000] });
    await exposeInbound(f.s, f.connection, [7000]);
    expect(f.events).to.deep.equal(['forwardIn 0.0.0.0:8080', 'forwardIn 0.0.0.0:7000', 'forwardIn 127.0.0.1:9000']);
    f.events.length = 0;
    await f.reconnect();
    // The old connection's forwards are dropped (cancel() of a lost connection changes nothing in the pod).
    expect(f.events).to.deep.equal([
      'cancel 0.0.0.0:8080', 'cancel 0.0.0.0:7000', 'forwardIn 0.0.0.0:8080', 'forwardIn 0.0.0.0:7000',
      'cancel 127.0.0.1:9000', 'forwardIn 127.0.0.1:9000',
    ]);
    expect(f.logged.filter((l) => l.startsWith('after the reconnect'))).to.deep.equal([
      'after the reconnect: port 8080 of the proxy pod reaches localhost:3000 here again',
      'after the reconnect: port 7000 of the proxy pod reaches localhost:7000 here again',
      'after the reconnect: localhost port 9000 of the proxy pod reaches port 9000 here again',
    ]);
    expect(f.warnings).to.deep.equal([]);
    f.events.length = 0;
    await f.s.undo.unwind();
    expect(f.events.sort()).to.deep.equal(['cancel 0.0.0.0:7000', 'cancel 0.0.0.0:8080', 'cancel 127.0.0.1:9000']);
    f.events.length = 0;
    await f.reconnect();
    expect(f.events).to.deep.equal([]);
  });

  it('a port that cannot be forwarded again is one warning line naming it and the reason; the others are forwarded, the next reconnect tries again', async () => {
    const f = fake({ expose: [{ podPort: 8080, workstationPort: 3000 }, { podPort: 8081, workstationPort: 3001 }] });
    await exposeInbound(f.s, f.connection);
    f.refuse.set(8080, 'cannot listen on 0.0.0.0:8080 in the proxy pod: the connection to it was lost');
    await f.reconnect();
    expect(f.warnings).to.deep.equal([
      'Warning: after the reconnect, port 8080 of the proxy pod no longer reaches localhost:3000 here: cannot listen on 0.0.0.0:8080 in the proxy pod: the connection to it was lost',
    ]);
    f.refuse.clear();
    f.events.length = 0;
    await f.reconnect();
    expect(f.events).to.deep.equal(['cancel 0.0.0.0:8081', 'forwardIn 0.0.0.0:8080', 'forwardIn 0.0.0.0:8081']);
    expect(f.warnings).to.have.length(1);
    await f.s.undo.unwind();
  });

  it('sshd that cannot bind yet (the old connection still holds the port) is asked again until it can', async () => {
    const f = fake({ expose: [{ podPort: 8080, workstationPort: 3000 }] });
    await exposeInbound(f.s, f.connection);
    f.refuse.set(8080, 'Unable to bind to 0.0.0.0:8080');
    setTimeout(() => f.refuse.clear(), 600);
    await f.reconnect();
    const asked = f.events.filter((e) => e === 'forwardIn 0.0.0.0:8080').length;
    expect(asked).to.be.within(3, 5); // the first, then every 250 ms
    expect(f.warnings).to.deep.equal([]);
    await f.s.undo.unwind();
  });

  it('the mount: unmounted and mounted again at the same path with the same fsname; the journal entry is unchanged; undone after', async () => {
    const f = fake({});
    const root = await mountVolumes(f.s, f.connection, 'abc', f.journal);
    const entry = () => JSON.stringify(f.journal.pending.map((e) => [e.kind, e.data]));
    const before = entry();
    expect(before).to.contain('sshfs-mount');
    await f.reconnect();
    expect(f.events).to.deep.equal(['mount 1', 'unmount 1', 'mount 2']);
    expect(f.mountOptions[1]).to.deep.equal(f.mountOptions[0]);
    expect(f.mountOptions[1]).to.include({ mountPoint: root, fsname: 'telepresence-abc' });
    expect(entry()).to.equal(before);
    expect(f.logged.filter((l) => l.startsWith('after the reconnect'))).to.deep.equal([
      `after the reconnect: the old mount of the pod's volumes at ${root} was unmounted`,
      `after the reconnect: the pod's volumes are mounted again at ${root}`,
    ]);
    expect(f.warnings).to.deep.equal([]);
    await f.s.undo.unwind();
    expect(f.events.at(-1)).to.equal('unmount 2');
    expect(f.journal.pending).to.deep.equal([]);
    expect(existsSync(root)).to.equal(false);
    await f.reconnect();
    expect(f.events.at(-1)).to.equal('unmount 2');
  });

  it('a remount that fails is one warning line; the next reconnect mounts again; the undo still removes what was made', async () => {
    const f = fake({});
    const root = await mountVolumes(f.s, f.connection, 'abc', f.journal);
    f.mounts.push({ kind: 'failed', reason: 'sshfs exited: read: Connection reset by peer' });
    await f.reconnect();
    expect(f.warnings).to.deep.equal([
      `Warning: after the reconnect, the pod's volumes could not be mounted again at ${root} ($TELEPRESENCE_ROOT is empty): sshfs exited: read: Connection reset by peer`,
    ]);
    await f.reconnect();
    expect(f.events).to.deep.equal(['mount 1', 'unmount 1', 'mount 2', 'mount 3']);
    expect(f.warnings).to.have.length(1);
    await f.s.undo.unwind();
    expect(f.events.at(-1)).to.equal('unmount 3');
    expect(existsSync(root)).to.equal(false);
    expect(f.journal.pending).to.deep.equal([]);
  });

  it('a failed remount, then the end: nothing to unmount, the directories go and the entry is settled', async () => {
    const f = fake({});
    const root = await mountVolumes(f.s, f.connection, 'abc', f.journal);
    f.mounts.push({ kind: 'failed', reason: 'sshfs did not mount within the time limit' });
    await f.reconnect();
    await f.s.undo.unwind();
    expect(f.events).to.deep.equal(['mount 1', 'unmount 1', 'mount 2']);
    expect(existsSync(path.dirname(root))).to.equal(false);
    expect(f.journal.pending).to.deep.equal([]);
  });
});
