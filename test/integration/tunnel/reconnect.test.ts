// Reconnect against a real OpenSSH sshd on 127.0.0.1: the "kubectl" on PATH is a real process that forwards
// a free port to the sshd, as port-forward does. Killed by its pid, it is replaced and SSH comes back (same key,
// same pinned host key); stopped (SIGSTOP: silent), the keepalives notice within 15 s; with the pod "gone"
// the connection gives up after timeouts.reconnect with the reason.
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import type { ConnectTimeouts, ProxyConnection } from '../../../src/tunnel/connect.js';
import type { ReconnectingConnection } from '../../../src/tunnel/reconnect.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { waitFor } from '../../helpers/poll.js';
import { useForwardedSshd } from '../helpers/forwarded-sshd.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('reconnect (real sshd on 127.0.0.1, a forwarding "kubectl")', function () {
  this.timeout(60_000);
  const key = generateSessionKey('test');
  const pod = useForwardedSshd(key, 'tp-reconnect-');
  let echo: net.Server;
  let echoPort: number;
  let conn: ProxyConnection | null = null;

  before(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });
  after(() => echo?.close());
  afterEach(async () => { await conn?.close(); conn = null; });

  const connect = async (lines: string[], more: Partial<ConnectTimeouts> = {}) => {
    conn = await pod.connect((l) => lines.push(l), more);
    return conn as ReconnectingConnection;
  };
  const echoThrough = async (c: ProxyConnection, text: string) => {
    const stream = await c.tunnel.openStream('127.0.0.1', echoPort);
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((r) => stream.on('end', r));
    stream.end(text);
    await ended;
    return Buffer.concat(chunks).toString();
  };

  it('the port-forward killed by its pid: streams fail at once until a new one and a new SSH connection are up', async () => {
    const lines: string[] = [];
    const c = await connect(lines);
    const tunnel = c.tunnel;
    let restored = 0;
    c.onReconnected(() => { restored++; });
    expect(await echoThrough(c, 'before')).to.equal('before');
    const pid = c.portForwardPid!;
    fs.writeFileSync(pod.mode, 'gone'); // the next kubectl fails, so the gap can be seen
    process.kill(pid, 'SIGKILL');
    await waitFor('the loss line', 5000, () => (lines.length > 0 ? true : undefined), 10);
    expect(lines[0]).to.match(/^Lost the connection to the proxy pod \((kubectl port-forward exited|the SSH connection closed|read ECONNRESET)\); reconnecting\.\.\.$/);
    const reason = /\((.*)\)/.exec(lines[0]!)![1];
    const t0 = Date.now();
    let err: unknown;
    try { await echoThrough(c, 'during'); } catch (e) { err = e; }
    expect(Date.now() - t0).to.be.below(100);
    expect((err as Error).message).to.equal(`cannot open a stream to 127.0.0.1:${echoPort} in the proxy pod: the connection to it was lost (${reason}) and is being re-established`);
    fs.writeFileSync(pod.mode, 'ok');
    await waitFor('the recovery line', 10_000, () => (lines.length > 1 ? true : undefined), 10);
    expect(lines[1]).to.match(/^Reconnected to the proxy pod in \d+\.\d s$/);
    expect(lines).to.have.length(2);
    expect(c.tunnel).to.equal(tunnel);
    expect(await echoThrough(c, 'after')).to.equal('after');
    expect(await c.tunnel.exec('echo same-sshd')).to.equal('same-sshd\n');
    expect(c.portForwardPid).to.not.equal(pid);
    expect(alive(c.portForwardPid!)).to.equal(true);
    expect(restored).to.equal(1);
    const last = c.portForwardPid!;
    await c.close();
    await waitFor('the last port-forward to stop', 5000, () => (alive(last) ? undefined : true));
  });

  it('a silent loss (the port-forward stopped with SIGSTOP) is noticed by the keepalives within 15 s, then reconnected', async function () {
    this.timeout(40_000);
    const lines: string[] = [];
    const c = await connect(lines);
    const pid = c.portForwardPid!;
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('the loss line', 16_000, () => (lines.length > 0 ? true : undefined), 50);
      expect(Date.now() - t0).to.be.within(6_000, 15_000);
      expect(lines[0]).to.equal('Lost the connection to the proxy pod (Keepalive timeout); reconnecting...');
    } finally {
      process.kill(pid, 'SIGCONT'); // it then takes the SIGTERM it was sent
    }
    await waitFor('the recovery line', 10_000, () => (lines.length > 1 ? true : undefined), 10);
    expect(await echoThrough(c, 'after')).to.equal('after');
    await waitFor('the stopped port-forward to end', 5000, () => (alive(pid) ? undefined : true));
  });

  it('gives up after timeouts.reconnect with the reason and the last error; no port-forward left', async () => {
    const lines: string[] = [];
    const c = await connect(lines, { reconnectMs: 1000 });
    const pid = c.portForwardPid!;
    fs.writeFileSync(pod.mode, 'gone');
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    const lost = await c.lost;
    expect(Date.now() - t0).to.be.within(900, 3000);
    expect(lost).to.be.a('string');
    expect(lost).to.match(/^could not reconnect within 1\.0 s \(timeouts\.reconnect; \d+ attempts\): kubectl port-forward pod\/tp-pod-1 failed: error: pods "tp-pod-1" not found$/);
    expect(lines).to.have.length(1);
    expect(c.portForwardPid).to.equal(null);
  });
});
