// The pod program's relay mode (--proxy-via) as a process on loopback: it serves only a client that
// knows the secret (RFC 1929), resolves and connects for it, stops on the stop command, and exits by
// itself once it has had no connection for its idle time.
import { expect } from 'chai';
import { execa } from 'execa';
import fs from 'node:fs';
import { RELAY_ENV, RELAY_HELLO_ACCEPTED, RELAY_STOP_COMMAND, relayClientHello } from '../../../src/protocol/index.js';
import { RELAY_MAIN, startRelay, useRelayWithEcho } from '../../helpers/relay-program.js';
import { RawClient } from './raw-socks-client.js';

const SECRET = 'a-session-secret-0123456789';

async function hello(port: number): Promise<RawClient> {
  const c = new RawClient(port);
  c.send(Buffer.from(relayClientHello(SECRET)));
  expect([...(await c.take(4))]).to.deep.equal(RELAY_HELLO_ACCEPTED);
  return c;
}

describe('proxy-pod relay mode (--proxy-via)', function () {
  this.timeout(20_000);
  const rig = useRelayWithEcho(SECRET, 'tp-relay-', (s) => s.pipe(s));

  it('refuses to start without a secret, naming the variable', async () => {
    const r = await execa(process.execPath, [RELAY_MAIN, 'relay'], { env: { [RELAY_ENV.secret]: 'short' }, reject: false });
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.match(/ proxy-via relay failed to start: TELEPRESENCE_RELAY_SECRET is only 5 characters long: the relay serves only a session that knows its secret \(16 characters or more\)$/);
  });

  it('answers a client without username/password 05 FF, and a wrong password 01 01, then closes', async () => {
    const none = new RawClient(rig.relay.port);
    none.send(Buffer.from('050100', 'hex'));
    expect((await none.untilEnd()).toString('hex')).to.equal('05ff');
    const wrong = new RawClient(rig.relay.port);
    wrong.send(Buffer.from(relayClientHello(SECRET.replace('a', 'b'))));
    wrong.send(Buffer.from('05f00003096c6f63616c686f73740000', 'hex')); // a RESOLVE it must not answer
    expect((await wrong.untilEnd()).toString('hex')).to.equal('05020101');
    expect(rig.relay.output()).to.include('socks: auth telepresence -> 1 wrong username or password\n');
  });

  it('RESOLVE (F0) through the relay\'s resolver after the secret', async () => {
    const c = await hello(rig.relay.port);
    c.send(Buffer.from('05f00003096c6f63616c686f73740000', 'hex'));
    expect((await c.untilEnd()).toString('hex')).to.equal('050000017f0000010000');
  });

  it('CONNECT to a loopback listener (127.0.0.5) and carries bytes both ways', async () => {
    const c = await hello(rig.relay.port);
    const port = Buffer.alloc(2);
    port.writeUInt16BE(rig.echoPort);
    c.send(Buffer.concat([Buffer.from('050100017f000005', 'hex'), port]));
    const reply = await c.take(10);
    expect(reply.subarray(0, 4).toString('hex')).to.equal('05000001');
    c.send('ping through the relay');
    expect((await c.take(22)).toString()).to.equal('ping through the relay');
    c.socket.destroy();
  });

  it('stops on the stop command (SIGTERM to the pid in its pid file): exit 0', async () => {
    const [sh, flag, script] = RELAY_STOP_COMMAND;
    const stopped = await execa(sh!, [flag!, script!], { env: { [RELAY_ENV.pidFile]: rig.relay.pidFile }, reject: false });
    expect(stopped.exitCode, stopped.stderr).to.equal(0);
    const r = await rig.relay.process;
    expect(r.exitCode).to.equal(0);
    expect(rig.relay.output()).to.match(/relay stopping: SIGTERM\n$/);
    expect(fs.existsSync(rig.relay.pidFile)).to.equal(false);
  });

  it('with a keep-alive open it stays past its idle time; after the last connection closes it exits within it', async () => {
    const short = await startRelay(SECRET, 1, rig.dir);
    try {
      const keepAlive = await hello(short.port);
      const held = Date.now();
      await new Promise((r) => setTimeout(r, 2500)); // longer than the idle time: the point of this test
      expect(short.process.exitCode).to.equal(null);
      expect(keepAlive.ended).to.equal(false);
      keepAlive.socket.end();
      const closed = Date.now();
      const r = await short.process;
      expect(r.exitCode).to.equal(0);
      expect(Date.now() - closed).to.be.within(900, 3000);
      expect(closed - held).to.be.at.least(2500);
      expect(short.output()).to.match(/relay stopping: no connection for 1 s\n$/);
    } finally {
      short.process.kill('SIGKILL');
    }
  });

  it('exits after its idle time when nobody ever connects', async () => {
    const started = Date.now();
    const lonely = await startRelay(SECRET, 1, rig.dir);
    const r = await lonely.process;
    expect(r.exitCode).to.equal(0);
    expect(Date.now() - started).to.be.within(900, 4000);
    expect(lonely.output()).to.match(/relay stopping: no connection for 1 s\n$/);
  });
});
