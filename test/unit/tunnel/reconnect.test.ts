// ReconnectingConnection with fake legs: the loss and recovery lines, streams failing fast while it
// reconnects and working after, one tunnel object throughout, listeners, the give-up and a final mismatch.
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { HostKeyMismatchError } from '../../../src/errors.js';
import { ReconnectingConnection, type ConnectionLeg } from '../../../src/tunnel/reconnect.js';
import type { SshTunnel } from '../../../src/tunnel/ssh.js';

interface FakeLeg extends ConnectionLeg {
  cut(reason: string): void;
  closed: boolean;
}

function fakeLeg(pid: number, pod?: string): FakeLeg {
  let cut: (r: string) => void = () => undefined;
  const lost = new Promise<string>((r) => (cut = r));
  const tunnel = {
    openStream: async (host: string, port: number) => { const s = new PassThrough(); s.end(`leg ${pid} ${host}:${port}`); return s; },
    exec: async (command: string) => `leg ${pid}: ${command}`,
  } as unknown as SshTunnel;
  const leg: FakeLeg = { tunnel, pid, pod, lost, closed: false, cut: (r) => cut(r), close: () => { leg.closed = true; } };
  return leg;
}

const until = async (what: string, cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ReconnectingConnection (fake legs)', () => {
  it('a lost leg: one line, streams fail at once, a new leg, one line with the time, the same tunnel object', async () => {
    const lines: string[] = [];
    const first = fakeLeg(1);
    let second: FakeLeg | null = null;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const conn = new ReconnectingConnection(first, {
      reconnectMs: 5000, retryMs: 10, progress: (l) => lines.push(l),
      connect: async () => { await held; second = fakeLeg(2); return second; },
    });
    const tunnel = conn.tunnel;
    let restored = 0;
    conn.onReconnected(() => { restored++; });
    expect(await conn.tunnel.exec('hostname')).to.equal('leg 1: hostname');
    first.cut('the SSH connection closed');
    await until('the loss line', () => lines.length === 1);
    expect(lines[0]).to.equal('Lost the connection to the proxy pod (the SSH connection closed); reconnecting...');
    expect(first.closed).to.equal(true);
    expect(conn.portForwardPid).to.equal(null);
    let err: unknown;
    const t0 = Date.now();
    try { await conn.tunnel.openStream('10.0.0.1', 80); } catch (e) { err = e; }
    expect(Date.now() - t0).to.be.below(50);
    expect((err as Error).message).to.equal('cannot open a stream to 10.0.0.1:80 in the proxy pod: the connection to it was lost (the SSH connection closed) and is being re-established');
    release();
    await until('the recovery line', () => lines.length === 2);
    expect(lines[1]).to.match(/^Reconnected to the proxy pod in \d+\.\d s$/);
    expect(conn.tunnel).to.equal(tunnel);
    expect(conn.portForwardPid).to.equal(2);
    expect(await conn.tunnel.exec('hostname')).to.equal('leg 2: hostname');
    await until('the listener', () => restored === 1);
    await conn.close();
    expect(second!.closed).to.equal(true);
  });

  it('retries with a back-off, then gives up after reconnectMs with the reason and the last error', async () => {
    const logs: string[] = [];
    let attempts = 0;
    const conn = new ReconnectingConnection(fakeLeg(1), {
      reconnectMs: 300, retryMs: 20, log: (l) => logs.push(l),
      connect: async () => { attempts++; throw new Error('pods "tp-x" not found'); },
    });
    const first = (conn as unknown as { current: FakeLeg }).current;
    const t0 = Date.now();
    first.cut('kubectl port-forward exited');
    const lost = await conn.lost;
    expect(Date.now() - t0).to.be.within(280, 1500);
    expect(lost).to.equal(`could not reconnect within 0.3 s (timeouts.reconnect; ${attempts} attempts): pods "tp-x" not found`);
    // 20, 40, 80, 160 ms apart: 4 or 5 attempts in 300 ms, not one per tick.
    expect(attempts).to.be.within(3, 6);
    expect(logs[0]).to.equal('reconnect attempt 1 failed: pods "tp-x" not found');
  });

  it('a host key mismatch ends it at once with that error', async () => {
    const mismatch = new HostKeyMismatchError('tp-x', 'SHA256:a', 'SHA256:b');
    const first = fakeLeg(1);
    let attempts = 0;
    const conn = new ReconnectingConnection(first, { reconnectMs: 10_000, retryMs: 10, connect: async () => { attempts++; throw mismatch; } });
    first.cut('kubectl port-forward exited');
    expect(await conn.lost).to.equal(mismatch);
    expect(attempts).to.equal(1);
  });

  it('close() during a reconnect: the leg that comes later is closed, and lost never resolves', async () => {
    const first = fakeLeg(1);
    let late: FakeLeg | null = null;
    const conn = new ReconnectingConnection(first, {
      reconnectMs: 10_000, retryMs: 10,
      connect: async () => { await new Promise((r) => setTimeout(r, 50)); late = fakeLeg(2); return late; },
    });
    let settled = false;
    void conn.lost.then(() => { settled = true; });
    first.cut('the SSH connection closed');
    await new Promise((r) => setTimeout(r, 10));
    await conn.close();
    expect(late!.closed).to.equal(true);
    expect(conn.portForwardPid).to.equal(null);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).to.equal(false);
  });

  it('close() aborts an attempt that would wait long (its signal), instead of waiting for it', async () => {
    const first = fakeLeg(1);
    let attempts = 0;
    const conn = new ReconnectingConnection(first, {
      reconnectMs: 60_000, retryMs: 10,
      connect: (_deadline, signal) => { attempts++; return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))); },
    });
    first.cut('the SSH connection closed');
    await until('the attempt', () => attempts === 1);
    const t0 = Date.now();
    await conn.close();
    expect(Date.now() - t0).to.be.below(100);
    expect(attempts).to.equal(1);
  });

  it('after close() a lost leg starts no reconnect', async () => {
    const first = fakeLeg(1);
    let attempts = 0;
    const lines: string[] = [];
    const conn = new ReconnectingConnection(first, { reconnectMs: 1000, progress: (l) => lines.push(l), connect: async () => { attempts++; return fakeLeg(2); } });
    await conn.close();
    first.cut('the SSH connection closed');
    await new Promise((r) => setTimeout(r, 20));
    expect([attempts, lines]).to.deep.equal([0, []]);
  });

  it('a leg to another pod (the first was replaced): the recovery line names both, listeners hear which pods; the same pod again: the plain line', async () => {
    const lines: string[] = [];
    const events: unknown[] = [];
    const first = fakeLeg(1, 'proxy-a');
    const legs = [fakeLeg(2, 'proxy-b'), fakeLeg(3, 'proxy-b')];
    const conn = new ReconnectingConnection(first, { reconnectMs: 5000, retryMs: 10, progress: (l) => lines.push(l), connect: async () => legs.shift()! });
    conn.onReconnected((event) => { events.push(event); });
    first.cut('kubectl port-forward exited');
    await until('the recovery line', () => lines.length === 2);
    expect(lines[1]).to.match(/^Reconnected to the proxy pod proxy-b \(in place of proxy-a\) in \d+\.\d s$/);
    await until('the listener', () => events.length === 1);
    expect(events[0]).to.deep.equal({ pod: 'proxy-b', previousPod: 'proxy-a' });
    expect(await conn.tunnel.exec('hostname')).to.equal('leg 2: hostname');
    (conn as unknown as { current: FakeLeg }).current.cut('the SSH connection closed');
    await until('the second recovery', () => lines.length === 4);
    expect(lines[3]).to.match(/^Reconnected to the proxy pod in \d+\.\d s$/);
    await until('the listener again', () => events.length === 2);
    expect(events[1]).to.deep.equal({ pod: 'proxy-b', previousPod: 'proxy-b' });
    await conn.close();
  });
});
