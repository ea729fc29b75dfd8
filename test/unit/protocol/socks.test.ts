// The SOCKS5 reply codes every SOCKS speaker here shares: each code's value and text (literal here on
// purpose: torsocks reads the values, users and tests read the texts) and the reply without an address.
import { expect } from 'chai';
import { SOCKS_REPLY, SOCKS_REPLY_TEXT, socksReply } from '../../../src/protocol/index.js';

const codes: { name: keyof typeof SOCKS_REPLY; rep: number; text: string; reply: string }[] = [
  { name: 'SUCCEEDED', rep: 0x00, text: 'succeeded', reply: '05000001 00000000 0000' },
  { name: 'GENERAL_FAILURE', rep: 0x01, text: 'general failure', reply: '05010001 00000000 0000' },
  { name: 'NOT_ALLOWED', rep: 0x02, text: 'not allowed', reply: '05020001 00000000 0000' },
  { name: 'NETWORK_UNREACHABLE', rep: 0x03, text: 'network unreachable', reply: '05030001 00000000 0000' },
  { name: 'HOST_UNREACHABLE', rep: 0x04, text: 'host unreachable', reply: '05040001 00000000 0000' },
  { name: 'CONNECTION_REFUSED', rep: 0x05, text: 'connection refused', reply: '05050001 00000000 0000' },
  { name: 'TTL_EXPIRED', rep: 0x06, text: 'TTL expired', reply: '05060001 00000000 0000' },
  { name: 'COMMAND_NOT_SUPPORTED', rep: 0x07, text: 'command not supported', reply: '05070001 00000000 0000' },
  { name: 'ADDRESS_TYPE_NOT_SUPPORTED', rep: 0x08, text: 'address type not supported', reply: '05080001 00000000 0000' },
];

describe('protocol: SOCKS5 reply codes (RFC 1928 6)', () => {
  for (const c of codes) {
    it(`${c.rep} ${c.name}: "${c.text}", reply ${c.reply}`, () => {
      expect(SOCKS_REPLY[c.name]).to.equal(c.rep);
      expect(SOCKS_REPLY_TEXT[c.rep]).to.equal(c.text);
      expect(socksReply(c.rep).toString('hex')).to.equal(c.reply.replace(/\s+/g, ''));
    });
  }

  it('has RFC 1928\'s codes and no other', () => {
    expect(Object.keys(SOCKS_REPLY)).to.deep.equal(codes.map((c) => c.name));
    expect(Object.keys(SOCKS_REPLY_TEXT).map(Number)).to.deep.equal(codes.map((c) => c.rep));
    expect(SOCKS_REPLY_TEXT[0x09]).to.equal(undefined); // each client words an unassigned code its own way
  });
});
