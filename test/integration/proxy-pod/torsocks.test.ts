// The real torsocks speaks to the pod's SOCKS server: RESOLVE for the name, then CONNECT. In a
// fresh network namespace the target has a non-loopback address (192.0.2.10 on that namespace's
// lo), so torsocks must CONNECT through SOCKS; on the host's loopback it connects directly.
import { expect } from 'chai';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runTorsocksCurl, type TorsocksResult } from './torsocks-fixture.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torsocks-fixture.js');

describe('proxy-pod SOCKS server with the real torsocks', function () {
  this.timeout(30_000);

  it('inside a network namespace: RESOLVE then CONNECT go through the server, curl gets the body', async () => {
    const run = { name: 'web.cluster.test', address: '192.0.2.10', allowOutboundLocalhost: false };
    // No packet leaves: the namespace has only lo, which carries 192.0.2.10.
    const script = 'ip link set lo up && ip addr add 192.0.2.10/32 dev lo && exec "$0" "$@"';
    const r = await execa('unshare', ['-n', 'sh', '-c', script, process.execPath, FIXTURE, JSON.stringify(run)]);
    const result = JSON.parse(r.stdout) as TorsocksResult;
    expect(result.stderr).to.equal('');
    expect(result.stdout).to.equal(`hello from web.cluster.test:${result.httpPort}/path`);
    expect(result.exitCode).to.equal(0);
    expect(result.events.map((e) => [e.command, e.target, e.reply, e.detail])).to.deep.equal([
      ['resolve', 'web.cluster.test', 0, '192.0.2.10'],
      ['connect', `192.0.2.10:${result.httpPort}`, 0, `192.0.2.10:${result.httpPort}`],
    ]);
  });

  it('on the host loopback with AllowOutboundLocalhost 1: the name is RESOLVEd by the server, the connection bypasses it', async () => {
    const result = await runTorsocksCurl({ name: 'some-name', address: '127.0.0.1', allowOutboundLocalhost: true });
    expect(result.stdout).to.equal(`hello from some-name:${result.httpPort}/path`);
    expect(result.exitCode).to.equal(0);
    expect(result.events.map((e) => [e.command, e.target, e.reply, e.detail])).to.deep.equal([['resolve', 'some-name', 0, '127.0.0.1']]);
  });

  it('without AllowOutboundLocalhost, torsocks refuses a loopback target after resolving it', async () => {
    const result: TorsocksResult = await runTorsocksCurl({ name: 'some-name', address: '127.0.0.1', allowOutboundLocalhost: false });
    expect(result.exitCode).to.equal(7); // curl: failed to connect
    expect(result.events.map((e) => e.command)).to.deep.equal(['resolve']);
  });

  it('an unknown name: torsocks gets reply 04 and curl cannot resolve it', async () => {
    const result = await runTorsocksCurl({ name: 'nowhere.test', address: '127.0.0.1', allowOutboundLocalhost: true, unknownName: true });
    expect(result.exitCode).to.equal(6); // curl: could not resolve host
    expect(result.events.map((e) => [e.command, e.target, e.reply])).to.deep.equal([['resolve', 'nowhere.test', 4]]);
  });
});
