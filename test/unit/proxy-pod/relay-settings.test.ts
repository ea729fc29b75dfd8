// The relay mode's settings from its environment, and the auth bytes of the SOCKS codec, as tables.
import { expect } from 'chai';
import { readRelaySettings } from '../../../proxy-pod/src/relay-settings.js';
import { decodeUserPass, encodeUserPassReply, SocksDecoder } from '../../../proxy-pod/src/socks/protocol.js';
import { relayClientHello } from '../../../src/protocol/index.js';

const SECRET = '0123456789abcdef';

describe('proxy-pod relay settings', () => {
  const base = { listenHost: '0.0.0.0', port: 9056, secret: SECRET, idleSeconds: 30, pidFile: '/tmp/telepresence-relay.pid' };
  const ok: [Record<string, string>, object][] = [
    [{ TELEPRESENCE_RELAY_SECRET: SECRET }, base],
    [{ TELEPRESENCE_RELAY_SECRET: SECRET, TELEPRESENCE_RELAY_PORT: '0', TELEPRESENCE_RELAY_IDLE_SECONDS: '2', TELEPRESENCE_RELAY_LISTEN_HOST: '127.0.0.1', TELEPRESENCE_RELAY_PID_FILE: '/run/r.pid' },
      { listenHost: '127.0.0.1', port: 0, secret: SECRET, idleSeconds: 2, pidFile: '/run/r.pid' }],
  ];
  for (const [env, settings] of ok) it(JSON.stringify(env), () => expect(readRelaySettings(env)).to.deep.equal(settings));
  const bad: [Record<string, string>, string][] = [
    [{}, 'TELEPRESENCE_RELAY_SECRET is not set: the relay serves only a session that knows its secret (16 characters or more)'],
    [{ TELEPRESENCE_RELAY_SECRET: 'abc' }, 'TELEPRESENCE_RELAY_SECRET is only 3 characters long: the relay serves only a session that knows its secret (16 characters or more)'],
    [{ TELEPRESENCE_RELAY_SECRET: SECRET, TELEPRESENCE_RELAY_PORT: '65536' }, 'TELEPRESENCE_RELAY_PORT="65536" is not a port: set it to a number from 0 to 65535, or unset it for 9056'],
    [{ TELEPRESENCE_RELAY_SECRET: SECRET, TELEPRESENCE_RELAY_IDLE_SECONDS: '1.5' }, 'TELEPRESENCE_RELAY_IDLE_SECONDS="1.5" is not a number of seconds: set it to a number from 0 to 86400, or unset it for 30'],
    [{ TELEPRESENCE_RELAY_SECRET: SECRET, TELEPRESENCE_RELAY_IDLE_SECONDS: '0' }, 'TELEPRESENCE_RELAY_IDLE_SECONDS="0": the relay would exit at once; give 1 or more seconds, or unset it for 30'],
  ];
  for (const [env, message] of bad) it(`rejects ${JSON.stringify(env)}`, () => expect(() => readRelaySettings(env)).to.throw(message));
});

describe('SOCKS username/password (RFC 1929)', () => {
  it('relayClientHello is the greeting (method 02 only) then 01 ULEN "telepresence" PLEN SECRET', () => {
    expect(Buffer.from(relayClientHello('s3cr3t')).toString('hex')).to.equal('050102' + '010c' + Buffer.from('telepresence').toString('hex') + '06' + Buffer.from('s3cr3t').toString('hex'));
  });
  it('decodes the message in pieces, and a wrong version is malformed', () => {
    const bytes = Buffer.from('0102' + '6162' + '03' + '787978', 'hex');
    expect(decodeUserPass(bytes.subarray(0, 5))).to.equal(null);
    expect(decodeUserPass(bytes)).to.deep.equal({ event: { type: 'auth', username: 'ab', password: 'xyx' }, consumed: 8 });
    expect(decodeUserPass(Buffer.from('05020000', 'hex'))?.event).to.deep.equal({ type: 'malformed', reason: 'auth version 0x05 is not RFC 1929\'s 0x01' });
  });
  it('a decoder that expects auth reads greeting, auth and request sent in one packet', () => {
    const d = new SocksDecoder({ auth: true });
    const events = d.push(Buffer.concat([Buffer.from(relayClientHello(SECRET)), Buffer.from('05f00003016100000102', 'hex')]));
    expect(events.map((e) => e.type)).to.deep.equal(['greeting', 'auth', 'request']);
    expect(events[1]).to.deep.equal({ type: 'auth', username: 'telepresence', password: SECRET });
    expect(d.takeRest().toString('hex')).to.equal('0102');
  });
  it('a decoder without auth reads the auth bytes as a (malformed) request, as before', () => {
    const events = new SocksDecoder().push(Buffer.from(relayClientHello(SECRET)));
    expect(events.map((e) => e.type)).to.deep.equal(['greeting', 'malformed']);
  });
  it('replies 01 00 and 01 01', () => {
    expect(encodeUserPassReply(true).toString('hex')).to.equal('0100');
    expect(encodeUserPassReply(false).toString('hex')).to.equal('0101');
  });
});
