// `bin/telepresence status` on real journal files ($XDG_CACHE_HOME/telepresence/sessions of a temp
// dir): sessions whose pid is a running `sleep` are listed, one whose process exited is counted as
// dead with the command that repairs it; the JSON form; nothing in the directory changes.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { currentBootIdSync } from '../../../src/host/process.js';
import { SessionJournal } from '../../../src/session/journal.js';

const BIN = fileURLToPath(new URL('../../../../bin/telepresence', import.meta.url));
const DAY = 86_400_000;

async function status(cache: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(BIN, ['status', ...args], {
    reject: false, extendEnv: false, env: { PATH: process.env.PATH, HOME: '/nonexistent', XDG_CACHE_HOME: cache, TZ: 'Asia/Kolkata' },
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** India's time (+05:30, no DST), computed apart from the formatter. */
const indiaTime = (d: Date) => new Date(d.getTime() + 5.5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('telepresence status (bin, real journals)', function () {
  this.timeout(30_000);
  let dir: string;
  let sleeper: ChildProcess;
  let deadPid: number;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tp-status-'));
    sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => exited.once('exit', resolve));
    deadPid = exited.pid!;
  });
  after(() => {
    sleeper.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says there is no session when the journal directory does not exist, exit 0', async () => {
    expect(await status(path.join(dir, 'empty'))).to.deep.equal({ code: 0, stdout: 'No telepresence sessions on this workstation.', stderr: '' });
    expect(JSON.parse((await status(path.join(dir, 'empty'), ['--json'])).stdout)).to.deep.equal({ sessions: [], dead: [] });
  });

  it('lists the live sessions oldest first, counts the dead one, and changes no file', async () => {
    const cache = path.join(dir, 'cache');
    const sessions = path.join(cache, 'telepresence', 'sessions');
    // Ages of 3d04h30m and 2d10h30m: the hour they are shown to stays the same for half an hour.
    const vpnStarted = new Date(Date.now() - 3 * DAY - 4.5 * 3_600_000);
    const injectStarted = new Date(Date.now() - 2 * DAY - 10.5 * 3_600_000);
    const pid = sleeper.pid!;
    const vpn = SessionJournal.open(sessions, {
      sessionId: 'aaa111', pid, context: 'tp-local', namespace: 'demo', deployment: 'telepresence-1-2', started: vpnStarted.toISOString(), method: 'vpn-tcp', operation: 'new',
    });
    vpn.record('vpn-tcp-lock', { path: '/run/telepresence/vpn-tcp.pid' });
    vpn.note({ routes: ['10.96.0.0/12', '10.244.0.0/16'] });
    SessionJournal.open(sessions, {
      sessionId: 'bbb222', pid, context: 'tp-local', namespace: 'other', deployment: 'web', started: injectStarted.toISOString(), method: 'inject-tcp', operation: 'swap',
    });
    mkdirSync(sessions, { recursive: true });
    writeFileSync(path.join(sessions, 'ccc333.json'), JSON.stringify({
      sessionId: 'ccc333', pid: deadPid, context: 'tp-local', namespace: 'demo', deployment: 'd', started: vpnStarted.toISOString(), method: 'vpn-tcp', operation: 'new',
      bootId: currentBootIdSync(), entries: [{ id: 1, kind: 'cluster-objects', data: {} }, { id: 2, kind: 'resolver', data: {} }],
    }));
    const files = readdirSync(sessions).sort();

    const r = await status(cache);
    const p = String(pid).padEnd(3);
    expect(r).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: [
        `${'PID'.padEnd(p.length)}  CONTEXT   NAMESPACE  METHOD      STARTED                          ROUTES                      OPERATION`,
        `${p}  tp-local  demo       vpn-tcp     ${indiaTime(vpnStarted)} (3d04h ago)  10.96.0.0/12,10.244.0.0/16  new telepresence-1-2`,
        `${p}  tp-local  other      inject-tcp  ${indiaTime(injectStarted)} (2d10h ago)  -                           swap web`,
        '1 dead session left changes in the cluster: run `telepresence repair`',
        '1 dead session left changes on this workstation: the next telepresence session repairs them',
      ].join('\n'),
    });

    const json = JSON.parse((await status(cache, ['--json'])).stdout) as { sessions: unknown[]; dead: unknown[] };
    expect(json).to.deep.equal({
      sessions: [
        {
          sessionId: 'aaa111', pid, context: 'tp-local', namespace: 'demo', method: 'vpn-tcp', started: vpnStarted.toISOString(),
          routes: ['10.96.0.0/12', '10.244.0.0/16'], container: null, operation: 'new', deployment: 'telepresence-1-2',
        },
        {
          sessionId: 'bbb222', pid, context: 'tp-local', namespace: 'other', method: 'inject-tcp', started: injectStarted.toISOString(),
          routes: [], container: null, operation: 'swap', deployment: 'web',
        },
      ],
      dead: [{ sessionId: 'ccc333', pid: deadPid, context: 'tp-local', namespace: 'demo', method: 'vpn-tcp', started: vpnStarted.toISOString(), left: ['cluster-objects', 'resolver'] }],
    });
    expect(readdirSync(sessions).sort()).to.deep.equal(files);
  });
});
