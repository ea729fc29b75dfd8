// The pod program as a process: it starts both servers, answers through the system resolver,
// stops cleanly on SIGTERM, and `podinfo` prints the environment it was started with.
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../helpers/poll.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proxy-pod/src/main.js');

function until<T>(what: string, check: () => T | undefined, ms = 5000): Promise<T> {
  return waitFor(what, ms, check, 25);
}

describe('proxy-pod main program', function () {
  this.timeout(20_000);
  let state: string;
  let pod: ResultPromise<{ env: Record<string, string>; reject: false }>;
  let output = '';
  let socksPort = 0;
  let dnsPort = 0;

  before(async () => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-pod-state-'));
    const env = { TELEPRESENCE_LISTEN_HOST: '127.0.0.1', TELEPRESENCE_SOCKS_PORT: '0', TELEPRESENCE_DNS_PORT: '0', TELEPRESENCE_STATE_DIR: state, WEB_SERVICE_HOST: '10.96.0.5', HOME: '/nowhere' };
    pod = execa(process.execPath, [MAIN], { env, reject: false });
    pod.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const ready = await until('the ready line', () => /ready: SOCKS \(wire v1\) on 127\.0\.0\.1:(\d+), DNS on 127\.0\.0\.1:(\d+)\/udp/.exec(output) ?? undefined);
    socksPort = Number(ready[1]);
    dnsPort = Number(ready[2]);
  });
  after(() => {
    pod.kill('SIGKILL');
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('resolves through the system resolver over SOCKS (RESOLVE localhost)', async () => {
    const s = net.connect(socksPort, '127.0.0.1');
    s.end(Buffer.from('050100' + '05f00003' + '096c6f63616c686f7374' + '0000', 'hex'));
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString('hex')).to.equal('0500' + '050000017f0000010000');
  });

  it('answers DNS through the system resolver over UDP and TCP (dig localhost)', async () => {
    const udp = await execa('dig', ['@127.0.0.1', '-p', String(dnsPort), 'localhost', 'A', '+short', '+time=2', '+tries=1']);
    expect(udp.stdout).to.equal('127.0.0.1');
    const tcpPort = Number(/DNS on 127\.0\.0\.1:\d+\/udp and :(\d+)\/tcp/.exec(output)?.[1]);
    const tcp = await execa('dig', ['@127.0.0.1', '-p', String(tcpPort), '+tcp', 'localhost', 'A', '+short', '+time=2', '+tries=1']);
    expect(tcp.stdout).to.equal('127.0.0.1');
    // A second TCP query: the server is still up after answering over TCP.
    const again = await execa('dig', ['@127.0.0.1', '-p', String(tcpPort), '+tcp', 'hellotelepresence-1.example.org', '+short', '+time=2', '+tries=1']);
    expect(again.stdout).to.equal('127.0.0.1');
    expect(pod.exitCode).to.equal(null);
  });

  it('podinfo prints the environment the pod started with, without HOME and PATH', async () => {
    const { stdout } = await execa(process.execPath, [MAIN, 'podinfo'], { env: { TELEPRESENCE_STATE_DIR: state, OTHER: 'not the pod env' }, extendEnv: false });
    const info = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(info)).to.deep.equal(['protocolVersion', 'env', 'hostname', 'hosts', 'resolv', 'mountpoints']);
    expect(info.protocolVersion).to.equal(1);
    const env = info.env as Record<string, string>;
    expect(env.WEB_SERVICE_HOST).to.equal('10.96.0.5');
    expect(env).to.not.have.property('HOME');
    expect(env).to.not.have.property('PATH');
    expect(env).to.not.have.property('OTHER');
    expect(info.hostname).to.equal(os.hostname());
    expect(info.resolv).to.equal(fs.readFileSync('/etc/resolv.conf', 'utf8'));
    expect((info.mountpoints as string[]).every((m) => m !== '/' && !m.startsWith('/proc'))).to.equal(true);
  });

  it('logs each SOCKS request and exits 0 on SIGTERM', async () => {
    expect(output).to.match(/socks: resolve localhost -> 0 127\.0\.0\.1\n/);
    pod.kill('SIGTERM');
    const r = await pod;
    expect(r.exitCode).to.equal(0);
    expect(output).to.match(/SIGTERM: shutting down\n$/);
  });
});
