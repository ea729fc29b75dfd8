// coveringCidrs (grouping by /16 and /64, never splitting the last byte) and uniqueSubnets.
import { expect } from 'chai';
import { coveringCidrs, uniqueSubnets } from '../../../src/engine/index.js';

describe('engine/covering', () => {
  describe('coveringCidrs', () => {
    const cases: Array<[string, string[], string[]]> = [
      ['no addresses', [], []],
      ['one IPv4 address: its /24', ['10.1.2.3'], ['10.1.2.0/24']],
      ['two in one /24', ['10.1.2.3', '10.1.2.200'], ['10.1.2.0/24']],
      ['third bytes 0 and 1: /23', ['10.1.0.5', '10.1.1.7'], ['10.1.0.0/23']],
      ['third bytes 2 and 5: /21', ['10.1.2.3', '10.1.5.6'], ['10.1.0.0/21']],
      ['third bytes 0 and 255: the whole /16', ['10.1.0.1', '10.1.255.1'], ['10.1.0.0/16']],
      ['two /16 groups stay apart', ['10.1.2.3', '10.2.0.1'], ['10.1.2.0/24', '10.2.0.0/24']],
      ['sorted by address', ['10.9.0.1', '10.1.0.1'], ['10.1.0.0/24', '10.9.0.0/24']],
      ['one IPv6 address: its /120', ['fd00::1:2'], ['fd00::1:0/120']],
      ['IPv6 within a /64', ['fd00::1:2', 'fd00::1:ff03'], ['fd00::1:0/112']],
      ['IPv6 across interface ids', ['fd00::1', 'fd00::8000:0:0:1'], ['fd00::/64']],
      ['IPv6 groups by /64', ['fd00:0:0:1::5', 'fd00:0:0:2::5'], ['fd00:0:0:1::/120', 'fd00:0:0:2::/120']],
      ['IPv4 before IPv6', ['fd00::1', '10.0.0.1'], ['10.0.0.0/24', 'fd00::/120']],
      ['mapped IPv4 counts as IPv4', ['::ffff:10.0.0.1', '10.0.0.2'], ['10.0.0.0/24']],
    ];
    for (const [name, ips, want] of cases) {
      it(name, () => expect(coveringCidrs(ips)).to.deep.equal(want));
    }
  });

  describe('uniqueSubnets', () => {
    const cases: Array<[string[], string[]]> = [
      [['10.0.0.0/8', '10.1.0.0/16'], ['10.0.0.0/8']],
      [['10.1.0.0/16', '10.0.0.0/8'], ['10.0.0.0/8']],
      [['10.0.0.0/8', '10.0.0.0/8', '10.1.2.3/8'], ['10.0.0.0/8']],
      [['10.0.0.0/9', '10.128.0.0/9'], ['10.0.0.0/9', '10.128.0.0/9']],
      [['fd00::/8', 'fd12::/16', '10.0.0.0/8'], ['fd00::/8', '10.0.0.0/8']],
      [['::/0', '0.0.0.0/0', 'fd00::1'], ['::/0', '0.0.0.0/0']],
    ];
    for (const [cidrs, want] of cases) {
      it(`${cidrs.join(' ')} -> ${want.join(' ')}`, () => expect(uniqueSubnets(cidrs)).to.deep.equal(want));
    }
  });
});
