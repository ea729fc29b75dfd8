// Route formatting (Telepresence 2's text), skip rules and the per-subnet conflict check.
import { expect } from 'chai';
import { conflictMessage, formatRoute, isSkippedRoute } from '../../../src/engine/index.js';
import { checkConflict } from '../../../src/engine/conflicts.js';
import { toNet } from '../../../src/engine/cidr.js';
import { route } from './helpers.js';

describe('engine/conflicts', () => {
  describe('formatRoute', () => {
    const cases: Array<[string, ReturnType<typeof route>, string]> = [
      ['the documented example', route('10.0.0.0/8', 'utun4', { gateway: '10.0.0.1' }),
        '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1'],
      ['with a source address', route('10.0.0.0/8', 'tun0', { gateway: '10.8.0.1', src: '10.8.0.6' }),
        '10.0.0.0/8 via 10.8.0.6 dev tun0, gw 10.8.0.1'],
      ['no gateway prints Go\'s <nil>', route('192.168.5.0/24', 'eth1', { src: '192.168.5.10' }),
        '192.168.5.0/24 via 192.168.5.10 dev eth1, gw <nil>'],
      ['default route', route('0.0.0.0/0', 'eth0', { gateway: '192.168.1.1', src: '192.168.1.20' }),
        '0.0.0.0/0 via 192.168.1.20 dev eth0, gw 192.168.1.1 (default)'],
      ['IPv6', route('fd00::/8', 'wg0', { gateway: 'fe80::1' }), 'fd00::/8 via fd00:: dev wg0, gw fe80::1'],
    ];
    for (const [name, r, want] of cases) it(name, () => expect(formatRoute(r)).to.equal(want));

    it('conflictMessage is the exact Telepresence 2 error', () => {
      expect(conflictMessage('10.43.0.0/16', route('10.0.0.0/8', 'utun4', { gateway: '10.0.0.1' }))).to.equal(
        'subnet 10.43.0.0/16 overlaps with existing route "10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1"',
      );
    });
  });

  describe('isSkippedRoute', () => {
    const cases: Array<[string, ReturnType<typeof route>, boolean]> = [
      ['unicast on a device', route('10.0.0.0/8', 'utun4'), false],
      ['type given as empty string is unicast', route('10.0.0.0/8', 'utun4', { type: '' }), false],
      ['local', route('10.0.0.5/32', 'eth0', { type: 'local', table: 'local' }), true],
      ['broadcast', route('10.0.0.255/32', 'eth0', { type: 'broadcast', table: 'local' }), true],
      ['multicast', route('ff00::/8', 'eth0', { type: 'multicast' }), true],
      ['anycast', route('fd00::/128', 'eth0', { type: 'anycast' }), true],
      ['throw', route('10.0.0.0/8', null, { type: 'throw' }), true],
      ['nat', route('10.0.0.0/8', 'eth0', { type: 'nat' }), true],
      ['unreachable without device', route('10.96.0.0/12', null, { type: 'unreachable', metric: 9999 }), true],
      ['blackhole', route('10.0.0.0/8', null, { type: 'blackhole' }), true],
      ['prohibit', route('10.0.0.0/8', null, { type: 'prohibit' }), true],
      ['IPv4 default', route('0.0.0.0/0', 'eth0'), true],
      ['IPv6 default', route('::/0', 'eth0'), true],
      ['flagged default', route('10.0.0.0/8', 'eth0', { isDefault: true }), true],
      ['split default 0.0.0.0/1', route('0.0.0.0/1', 'tun0'), true],
      ['split default 128.0.0.0/1', route('128.0.0.0/1', 'tun0'), true],
      ['IPv6 split default', route('8000::/1', 'tun0'), true],
      ['a /2 counts', route('0.0.0.0/2', 'tun0'), false],
      ['our own TUN', route('10.0.0.0/8', 'tel0'), true],
    ];
    for (const [name, r, want] of cases) it(name, () => expect(isSkippedRoute(r, 'tel0')).to.equal(want));
  });

  describe('checkConflict', () => {
    const routes = [
      route('0.0.0.0/0', 'eth0', { gateway: '192.168.1.1' }),
      route('10.0.0.0/8', 'utun4', { gateway: '10.0.0.1' }),
      route('fd00::/16', 'wg0'),
      route('10.96.0.0/12', 'tel0'),
    ];
    const cases: Array<[string, string[], string, string | null]> = [
      ['10.43.0.0/16', [], 'conflict', '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1'],
      ['10.43.0.0/16', ['10.0.0.0/9'], 'allowed', '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1'],
      ['10.43.0.0/16', ['10.43.0.0/17'], 'conflict', '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1'],
      ['10.0.0.0/7', [], 'conflict', '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1'],
      ['172.16.0.0/12', [], 'none', null],
      ['10.96.0.0/12', [], 'none', null],
      ['fd00:1::/32', [], 'conflict', 'fd00::/16 via fd00:: dev wg0, gw <nil>'],
      ['fd01::/16', [], 'none', null],
    ];
    for (const [subnet, allow, kind, conflictsWith] of cases) {
      it(`${subnet} allow=[${allow.join(' ')}] -> ${kind}`, () => {
        const res = checkConflict(toNet(subnet), { routes, allowConflicting: allow.map(toNet), tunDevice: 'tel0' });
        expect(res.kind).to.equal(kind);
        expect(res.kind === 'none' ? null : formatRoute(res.route)).to.equal(conflictsWith);
      });
    }
  });
});
