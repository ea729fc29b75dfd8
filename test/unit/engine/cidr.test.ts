// parseCidr, canonicalIp, covers and overlaps: canonical text for IPv4 and IPv6, exact errors.
import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { canonicalIp, covers, overlaps, parseCidr } from '../../../src/engine/index.js';
import { thrown } from './helpers.js';

describe('engine/cidr', () => {
  describe('parseCidr canonicalizes', () => {
    const cases: Array<[string, string]> = [
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['10.1.2.3', '10.1.2.3/32'],
      ['192.168.1.255/23', '192.168.0.0/23'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['255.255.255.255/32', '255.255.255.255/32'],
      ['FD00:0:0:0::1/64', 'fd00::/64'],
      ['fd00::1', 'fd00::1/128'],
      ['2001:DB8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
      ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'],
      ['2001:0db8::/32', '2001:db8::/32'],
      ['::/0', '::/0'],
      ['::1', '::1/128'],
      ['fe80::1:2:3:4/10', 'fe80::/10'],
      ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
      ['1:0:0:2:0:0:3:4/128', '1::2:0:0:3:4/128'],
      ['::ffff:10.1.2.3', '10.1.2.3/32'],
      ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
      ['::ffff:a01:203/128', '10.1.2.3/32'],
      ['::ffff:0:0/96', '0.0.0.0/0'],
      ['::a01:203/128', '::a01:203/128'],
    ];
    for (const [value, want] of cases) {
      it(`${value} -> ${want}`, () => expect(parseCidr(value)).to.equal(want));
    }
  });

  describe('parseCidr rejects, naming the value', () => {
    const fix = '; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64';
    const cases: Array<[string, string]> = [
      ['10.0.0.0/33', 'the prefix length 33 is larger than 32 (IPv4)'],
      ['fd00::/129', 'the prefix length 129 is larger than 128 (IPv6)'],
      ['10.0.0.0/', 'the prefix length "" is not a number'],
      ['10.0.0.0/x', 'the prefix length "x" is not a number'],
      ['10.0.0/8', 'an IPv4 address has four decimal fields, as 10.0.0.1'],
      ['010.0.0.0/8', 'an IPv4 field has a leading zero'],
      ['256.0.0.0/8', 'an IPv4 field is larger than 255'],
      ['cluster', 'it is neither an IP address nor ADDRESS/LENGTH'],
      ['', 'it is neither an IP address nor ADDRESS/LENGTH'],
      ['::ffff:10.0.0.0/80', 'an IPv4-mapped prefix must be /96 or longer'],
    ];
    for (const [value, reason] of cases) {
      it(JSON.stringify(value), () => {
        expect(thrown(() => parseCidr(value), UsageError)).to.equal(`invalid CIDR "${value}": ${reason}${fix}`);
      });
    }
  });

  describe('canonicalIp', () => {
    const cases: Array<[string, string]> = [
      ['10.1.2.3', '10.1.2.3'], ['FD00::0001', 'fd00::1'], ['::ffff:1.2.3.4', '1.2.3.4'], ['0:0:0:0:0:0:0:0', '::'],
    ];
    for (const [value, want] of cases) it(`${value} -> ${want}`, () => expect(canonicalIp(value)).to.equal(want));
    it('rejects a zone index', () => {
      expect(thrown(() => canonicalIp('fe80::1%eth0'), UsageError)).to.equal(
        'invalid IP address "fe80::1%eth0": zone indexes (%eth0) are not accepted; write it as 10.0.0.1 or fd00::1',
      );
    });
  });

  describe('covers and overlaps', () => {
    // [a, b, a covers b, a and b overlap]
    const cases: Array<[string, string, boolean, boolean]> = [
      ['10.0.0.0/8', '10.1.0.0/16', true, true],
      ['10.1.0.0/16', '10.0.0.0/8', false, true],
      ['10.0.0.0/8', '10.0.0.0/8', true, true],
      ['10.0.0.0/9', '10.128.0.0/9', false, false],
      ['10.0.0.0/8', '11.0.0.0/8', false, false],
      ['0.0.0.0/0', '192.168.1.1', true, true],
      ['10.1.2.3', '10.1.2.3/32', true, true],
      ['fd00::/8', 'fd12:3456::/32', true, true],
      ['fd12:3456::/32', 'fd00::/8', false, true],
      ['fd00::/64', 'fd00:0:0:1::/64', false, false],
      ['::/0', '10.0.0.0/8', false, false],
      ['0.0.0.0/0', '::/0', false, false],
      ['::ffff:10.0.0.0/104', '10.1.0.0/16', true, true],
    ];
    for (const [a, b, c, o] of cases) {
      it(`${a} vs ${b}: covers=${c} overlaps=${o}`, () => {
        expect(covers(a, b)).to.equal(c);
        expect(overlaps(a, b)).to.equal(o);
      });
    }
  });
});
