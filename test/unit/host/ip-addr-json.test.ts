// Link state from `ip -j addr show` and Telepresence 2's rule: no route of a device that is down
// or has no address of the route's family.
import { expect } from 'chai';
import type { HostRoute } from '../../../src/engine/types.js';
import { parseIpAddrJson, usableRoutes } from '../../../src/host/ip-addr-json.js';
import { RouteJsonError } from '../../../src/host/ip-route-json.js';

// Captured with iproute2 6.1: this host's lo, a down ifb0 and eth0; a namespace's veth with only
// an IPv6 link-local address.
const ADDRS = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":2,"ifname":"ifb0","flags":["BROADCAST","NOARP"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":32,"link_type":"ether","address":"3a:b7:85:7f:03:b8","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]},{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"qdisc":"pfifo_fast","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"02:fc:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24,"broadcast":"192.0.2.255","scope":"global","label":"eth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd00::2","prefixlen":64,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":3,"link":"a1","ifname":"a0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"02:3d:de:6b:75:1d","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet6","local":"fe80::3d:deff:fe6b:751d","prefixlen":64,"scope":"link","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;

const route = (dst: string, dev: string | null): HostRoute => ({
  dst,
  type: dev ? 'unicast' : 'unreachable',
  dev,
  gateway: null,
  src: null,
  table: 'main',
  metric: null,
  isDefault: false,
});

describe('parseIpAddrJson / usableRoutes', () => {
  const links = parseIpAddrJson(ADDRS);

  it('reads the up flag and the families of each interface', () => {
    const summary = [...links].map(([name, l]) => [name, l.up, [...l.families].sort()]);
    expect(summary).to.deep.equal([
      ['lo', true, [4, 6]],
      ['ifb0', false, []],
      ['eth0', true, [4, 6]],
      ['a0', true, [6]],
    ]);
  });

  const cases: [dst: string, dev: string | null, kept: boolean][] = [
    ['192.0.2.0/24', 'eth0', true],
    ['fd00::/64', 'eth0', true],
    ['10.9.0.0/16', 'ifb0', false], // down
    ['10.140.0.0/16', 'a0', false], // up, but no IPv4 address
    ['fe80::/64', 'a0', true],
    ['10.50.0.0/16', null, true], // no device: the engine skips it itself
    ['10.60.0.0/16', 'gone0', true], // vanished between the reads: keep it
  ];
  for (const [dst, dev, kept] of cases) {
    it(`${kept ? 'keeps' : 'drops'} ${dst} dev ${dev}`, () => {
      expect(usableRoutes([route(dst, dev)], links)).to.have.length(kept ? 1 : 0);
    });
  }

  it('rejects what is not ip -j addr output', () => {
    expect(() => parseIpAddrJson('{}')).to.throw(RouteJsonError, 'expected a JSON array of interfaces');
  });
});
