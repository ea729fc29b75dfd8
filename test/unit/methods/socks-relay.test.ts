// The inject-tcp relay's reading of the pod SOCKS server's handshake, and the failure it writes in its stead.
import { expect } from 'chai';
import { destinationKey, readGreeting, readRequest, replyForOpenFailure, SocksReplyProgress } from '../../../methods/socks-relay.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const GENERAL_FAILURE = '05010001000000000000';

describe('inject-tcp relay: the SOCKS server\'s side of the handshake', () => {
  const cases: Array<{ what: string; sent: string[]; complete: boolean; failure: string }> = [
    { what: 'nothing yet: no acceptable method', sent: [], complete: false, failure: '05ff' },
    { what: 'half the method selection', sent: ['05'], complete: false, failure: 'ff' },
    { what: 'no-auth chosen: a general-failure reply', sent: ['0500'], complete: false, failure: GENERAL_FAILURE },
    { what: 'username/password chosen: a refused login', sent: ['0502'], complete: false, failure: '0101' },
    { what: 'login accepted: a general-failure reply', sent: ['0502', '0100'], complete: false, failure: GENERAL_FAILURE },
    { what: 'login refused by the server: over', sent: ['05020101'], complete: true, failure: '' },
    { what: 'no acceptable method from the server: over', sent: ['05ff'], complete: true, failure: '' },
    { what: 'a CONNECT reply (IPv4): over', sent: ['0500', '05000001', '7f000001', '0050'], complete: true, failure: '' },
    { what: 'a RESOLVE reply in one chunk with the first bytes of the stream after it', sent: ['0500050000010a0000010000474554'], complete: true, failure: '' },
    { what: 'a reply cut after its header (IPv4): the address and port', sent: ['0500', '05000001'], complete: false, failure: '000000000000' },
    { what: 'a reply cut before its address type: the rest of a failure', sent: ['0500', '0500'], complete: false, failure: '0001000000000000' },
    { what: 'a RESOLVE_PTR reply (a name) cut in its name: the rest of the name and the port', sent: ['0500', '050000030461', '62'], complete: false, failure: '00000000' },
    { what: 'a name reply cut before its length: an empty name and the port', sent: ['0500', '05000003'], complete: false, failure: '000000' },
    { what: 'a name reply: over', sent: ['0500', '0500000303616263', '0000'], complete: true, failure: '' },
    { what: 'an IPv6 reply: over', sent: ['0500', `05000004${'00'.repeat(16)}0050`], complete: true, failure: '' },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const progress = new SocksReplyProgress();
      for (const chunk of c.sent) progress.observe(Buffer.from(chunk, 'hex'));
      expect([progress.complete, hex(progress.failure())]).to.deep.equal([c.complete, c.failure]);
    });
  }

  it('the failure completes every cut handshake into one the client can read to its end', () => {
    const whole = Buffer.from('0500050000030461626364' + '0050', 'hex');
    for (let cut = 0; cut < whole.length; cut++) {
      const progress = new SocksReplyProgress();
      progress.observe(whole.subarray(0, cut));
      const finished = new SocksReplyProgress();
      finished.observe(Buffer.concat([whole.subarray(0, cut), progress.failure()]));
      expect(finished.complete, `cut at ${cut}`).to.equal(true);
    }
  });
});

describe('inject-tcp relay: the client\'s greeting', () => {
  const cases: Array<[string, string, ReturnType<typeof readGreeting>]> = [
    ['nothing yet', '', null],
    ['the version only', '05', null],
    ['methods still to come', '0502', null],
    ['no-auth offered (torsocks)', '050100', { noAuth: true, length: 3 }],
    ['no-auth among others, a request behind it', '0502020005', { noAuth: true, length: 4 }],
    ['username/password only', '050102', { noAuth: false, length: 3 }],
    ['no methods', '0500', { noAuth: false, length: 2 }],
    ['SOCKS4', '04010050', 'other'],
  ];
  for (const [what, bytes, expected] of cases) {
    it(`${what}: ${bytes || '(empty)'}`, () => expect(readGreeting(Buffer.from(bytes, 'hex'))).to.deep.equal(expected));
  }
});

describe('inject-tcp relay: how the server\'s handshake ended, and where its own bytes end', () => {
  const cases: Array<[string, string, boolean | null, number]> = [
    ['nothing yet', '', null, 0],
    ['no-auth chosen, no reply yet', '0500', null, 2],
    ['a CONNECT success with the stream\'s first bytes behind it', '0500' + '05000001' + '0a000001' + '0050' + '474554', true, 12],
    ['a CONNECT refused (REP 5)', '0500' + '05050001' + '00000000' + '0000', false, 12],
    ['a general failure with bytes behind it (read no further)', '0500' + '05010001' + '00000000' + '0000' + 'ffff', false, 12],
    ['no acceptable method', '05ff', false, 2],
    ['login refused', '0502' + '0101', false, 4],
    ['login accepted, then a success', '0502' + '0100' + '05000001' + '7f000001' + '1f90', true, 14],
  ];
  for (const [what, bytes, succeeded, used] of cases) {
    it(`${what}: ${succeeded}, ${used} bytes`, () => {
      const progress = new SocksReplyProgress();
      const n = progress.observe(Buffer.from(bytes, 'hex'));
      expect([progress.succeeded, n]).to.deep.equal([succeeded, used]);
    });
  }
});

describe('inject-tcp relay: the client\'s request', () => {
  const cases: Array<[string, string, ReturnType<typeof readRequest>]> = [
    ['nothing yet', '', null],
    ['a CONNECT cut in its address', '050100010a00', null],
    ['a CONNECT to an IPv4 address', '050100010a8200050050', { destination: { host: '10.130.0.5', port: 80 }, length: 10 }],
    ['a CONNECT with the first bytes behind it', '050100011f000001' + '1f90' + '474554', { destination: { host: '31.0.0.1', port: 8080 }, length: 10 }],
    ['a CONNECT to a name', '05010003046563686f' + '1f90', { destination: { host: 'echo', port: 8080 }, length: 11 }],
    ['a CONNECT to an IPv6 address', '05010004' + '20010db8000000000000000000000001' + '01bb', { destination: { host: '2001:db8:0:0:0:0:0:1', port: 443 }, length: 22 }],
    ['a name cut before its end', '050100030a6563', null],
    ['Tor\'s RESOLVE (no destination to remember)', '05f00003046563686f0000', { destination: null, length: 11 }],
    ['an unknown address type', '0501000900', 'other'],
    ['no SOCKS5 request', '0401', 'other'],
  ];
  for (const [what, bytes, expected] of cases) {
    it(`${what}: ${bytes || '(empty)'}`, () => expect(readRequest(Buffer.from(bytes, 'hex'))).to.deep.equal(expected));
  }
});

describe('inject-tcp relay: a destination\'s key, and the reply for a direct channel that did not open', () => {
  const keys: Array<[string, number, string]> = [['10.130.0.5', 80, '10.130.0.5:80'], ['echo', 8080, 'echo:8080'], ['2001:db8::1', 443, '[2001:db8::1]:443']];
  for (const [host, port, key] of keys) it(`${host} ${port}: ${key}`, () => expect(destinationKey({ host, port })).to.equal(key));
  const replies: Array<[string, number]> = [
    ['(SSH) Channel open failure: Connection refused', 5],
    ['(SSH) Channel open failure: No route to host', 4],
    ['(SSH) Channel open failure: Network is unreachable', 3],
    ['(SSH) Channel open failure: Connection timed out', 1],
    ['(SSH) Channel open failure: administratively prohibited: open failed', 1],
    ['the connection to it was lost (test) and is being re-established', 1],
  ];
  for (const [message, rep] of replies) it(`${message}: ${rep}`, () => expect(replyForOpenFailure(message)).to.equal(rep));
});
