// planRoutes decision rules as tables: covered, never-proxy vs also-proxy, loopback, explicit VNAT,
// automatic VNAT, the virtual subnet and our own TUN, for IPv4 and IPv6.
import { expect } from 'chai';
import { planRoutes } from '../../../src/engine/index.js';
import type { PlanInput } from '../../../src/engine/index.js';
import { input, route, routing } from './helpers.js';

/** [cidr, action, conflictsWith?, via?] per subnet, in plan order. */
type Row = [string, string, (string | null)?, (string | null)?];

interface Case {
  name: string;
  in: Partial<PlanInput>;
  subnets: Row[];
  errors?: string[];
  neverProxy?: string[];
  translations?: Array<{ cidr: string; via: string }>;
}

const vpn4 = route('10.0.0.0/8', 'utun4', { gateway: '10.0.0.1' });
const vpn4Text = '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1';
const vpn6 = route('fd00::/8', 'wg0', { src: 'fd00::7' });
const vpn6Text = 'fd00::/8 via fd00::7 dev wg0, gw <nil>';

const cases: Case[] = [
  // covered
  { name: 'a subnet inside another is covered', in: { podSubnets: ['10.0.0.0/8'], alsoProxy: ['10.1.0.0/16'] },
    subnets: [['10.0.0.0/8', 'route'], ['10.1.0.0/16', 'covered']] },
  { name: 'an equal later subnet is covered', in: { serviceSubnets: ['10.96.0.0/12'], alsoProxy: ['10.96.0.0/12'] },
    subnets: [['10.96.0.0/12', 'route'], ['10.96.0.0/12', 'covered']] },
  { name: 'IPv6: covered', in: { podSubnets: ['fd10::/48', 'fd10:0:0:5::/64'] },
    subnets: [['fd10::/48', 'route'], ['fd10:0:0:5::/64', 'covered']] },
  { name: 'IPv4 never covers IPv6', in: { podSubnets: ['0.0.0.0/0', 'fd10::/64'] },
    subnets: [['0.0.0.0/0', 'route'], ['fd10::/64', 'route']] },
  // never-proxy and also-proxy: the more specific entry wins
  { name: 'never-proxy covering a cluster subnet', in: { serviceSubnets: ['10.96.0.0/12'], routing: routing({ neverProxySubnets: ['10.0.0.0/8'] }) },
    subnets: [['10.96.0.0/12', 'never-proxy']] },
  { name: 'never-proxy inside a routed subnet is a hole in it', in: { podSubnets: ['10.0.0.0/8'], routing: routing({ neverProxySubnets: ['10.1.0.0/16', '192.168.0.0/16'] }) },
    subnets: [['10.0.0.0/8', 'route']], neverProxy: ['10.1.0.0/16'] },
  { name: 'more specific also-proxy inside the hole is routed again (not covered)', in: {
    podSubnets: ['10.0.0.0/8'], alsoProxy: ['10.1.2.0/24'], routing: routing({ neverProxySubnets: ['10.1.0.0/16'] }) },
  subnets: [['10.0.0.0/8', 'route'], ['10.1.2.0/24', 'route']], neverProxy: ['10.1.0.0/16'] },
  { name: 'more specific also-proxy beats a less specific never-proxy', in: {
    alsoProxy: ['10.1.0.0/16'], routing: routing({ neverProxySubnets: ['10.0.0.0/8'] }) },
  subnets: [['10.1.0.0/16', 'route']], neverProxy: ['10.0.0.0/8'] },
  { name: 'more specific also-proxy lets a covered cluster subnet through', in: {
    serviceSubnets: ['10.1.5.0/24'], alsoProxy: ['10.1.0.0/16'], routing: routing({ neverProxySubnets: ['10.0.0.0/8'] }) },
  subnets: [['10.1.5.0/24', 'covered'], ['10.1.0.0/16', 'route']], neverProxy: ['10.0.0.0/8'] },
  { name: 'more specific never-proxy beats a less specific also-proxy', in: {
    alsoProxy: ['10.0.0.0/8'], routing: routing({ neverProxySubnets: ['10.1.0.0/16'] }) },
  subnets: [['10.0.0.0/8', 'route']], neverProxy: ['10.1.0.0/16'] },
  { name: 'equal never-proxy and also-proxy: never-proxy wins', in: {
    alsoProxy: ['10.1.0.0/16'], routing: routing({ neverProxySubnets: ['10.1.0.0/16'] }) },
  subnets: [['10.1.0.0/16', 'never-proxy']] },
  { name: 'IPv6: more specific also-proxy beats never-proxy', in: {
    alsoProxy: ['fd00:1::/32'], routing: routing({ neverProxySubnets: ['fd00::/16'] }) },
  subnets: [['fd00:1::/32', 'route']], neverProxy: ['fd00::/16'] },
  { name: 'API server IPs are never proxied (/32, /128)', in: {
    podSubnets: ['10.0.0.0/8', 'fd00::/64'], apiServerIps: ['10.0.5.5', 'fd00::5', '192.168.1.1'] },
  subnets: [['10.0.0.0/8', 'route'], ['fd00::/64', 'route']], neverProxy: ['10.0.5.5/32', 'fd00::5/128'] },
  { name: 'an API server that is a whole also-proxy entry', in: { alsoProxy: ['10.0.5.5/32'], apiServerIps: ['10.0.5.5'] },
    subnets: [['10.0.5.5/32', 'never-proxy']] },
  // loopback
  { name: 'loopback also-proxy is an error', in: { alsoProxy: ['127.0.0.0/8', '::1/128'] },
    subnets: [['127.0.0.0/8', 'never-proxy'], ['::1/128', 'never-proxy']],
    errors: ['also-proxy subnet 127.0.0.0/8 is a loopback subnet. It is never proxied',
      'also-proxy subnet ::1/128 is a loopback subnet. It is never proxied'] },
  { name: 'loopback never-proxy is an error (as TP2)', in: { podSubnets: ['10.0.0.0/8'], routing: routing({ neverProxySubnets: ['127.0.0.1/32'] }) },
    subnets: [['10.0.0.0/8', 'route']], errors: ['never-proxy subnet 127.0.0.1/32 is a loopback subnet. It is never proxied'] },
  { name: 'loopback allowConflictingSubnets is an error', in: { routing: routing({ allowConflictingSubnets: ['127.0.0.0/8'] }) },
    subnets: [], errors: ['allow-conflicting subnet 127.0.0.0/8 is a loopback subnet. It is never proxied'] },
  { name: 'loopback cluster subnet is silently never proxied', in: { podSubnets: ['127.0.0.0/16'] },
    subnets: [['127.0.0.0/16', 'never-proxy']] },
  { name: 'a loopback API server (local cluster) is no error', in: { podSubnets: ['10.0.0.0/8'], apiServerIps: ['127.0.0.1', '::1'] },
    subnets: [['10.0.0.0/8', 'route']] },
  { name: '--vnat also makes a loopback also-proxy legal', in: { alsoProxy: ['127.0.0.0/8'], vnat: [{ target: 'also', via: 'local' }] },
    subnets: [['127.0.0.0/8', 'vnat', null, 'local']], translations: [{ cidr: '127.0.0.0/8', via: 'local' }] },
  // explicit VNAT / proxy-via
  { name: '--proxy-via all=echo', in: {
    serviceSubnets: ['10.96.0.0/12'], podSubnets: ['10.244.0.0/16'], alsoProxy: ['172.20.0.0/16'], vnat: [{ target: 'all', via: 'echo' }] },
  subnets: [['10.96.0.0/12', 'vnat', null, 'echo'], ['10.244.0.0/16', 'vnat', null, 'echo'], ['172.20.0.0/16', 'vnat', null, 'echo']],
  translations: [{ cidr: '10.96.0.0/12', via: 'echo' }, { cidr: '10.244.0.0/16', via: 'echo' }, { cidr: '172.20.0.0/16', via: 'echo' }] },
  { name: '--vnat CIDR covering both cluster subnets', in: {
    serviceSubnets: ['10.130.0.0/16'], podSubnets: ['10.132.0.0/16'], routes: [vpn4], vnat: [{ target: '10.128.0.0/9', via: 'local' }] },
  subnets: [['10.130.0.0/16', 'vnat', null, 'local'], ['10.132.0.0/16', 'vnat', null, 'local']],
  translations: [{ cidr: '10.128.0.0/9', via: 'local' }, { cidr: '10.130.0.0/16', via: 'local' }, { cidr: '10.132.0.0/16', via: 'local' }] },
  { name: 'explicit --vnat service: the pods that still conflict are an error, not auto-VNATed', in: {
    serviceSubnets: ['10.130.0.0/16'], podSubnets: ['10.132.0.0/16'], routes: [vpn4], vnat: [{ target: 'service', via: 'local' }] },
  subnets: [['10.130.0.0/16', 'vnat', null, 'local'], ['10.132.0.0/16', 'route', vpn4Text]],
  errors: [`subnet 10.132.0.0/16 overlaps with existing route "${vpn4Text}"`],
  translations: [{ cidr: '10.130.0.0/16', via: 'local' }] },
  { name: 'overlapping explicit requests are reported, the plan is still made', in: {
    serviceSubnets: ['10.130.0.0/16'], vnat: [{ target: 'service', via: 'local' }, { target: 'service', via: 'echo' }] },
  subnets: [['10.130.0.0/16', 'vnat', null, 'local']], errors: ['CIDRs service and service are overlapping'],
  translations: [{ cidr: '10.130.0.0/16', via: 'local' }] },
  // automatic VNAT
  { name: 'auto VNAT only of the conflicting subnet; IPv6 too', in: {
    serviceSubnets: ['172.16.0.0/16', 'fd00:96::/108'], podSubnets: ['10.244.0.0/16'], routes: [vpn4, vpn6] },
  subnets: [['172.16.0.0/16', 'route'], ['fd00:96::/108', 'vnat', vpn6Text, 'local'], ['10.244.0.0/16', 'vnat', vpn4Text, 'local']],
  translations: [{ cidr: 'fd00:96::/108', via: 'local' }, { cidr: '10.244.0.0/16', via: 'local' }] },
  { name: 'VNAT of a covering subnet uncovers the subnets inside it', in: {
    podSubnets: ['10.0.0.0/8'], alsoProxy: ['10.1.0.0/16', '10.200.5.0/24'], routes: [route('10.200.0.0/16', 'utun4', { gateway: '10.200.0.1' })] },
  subnets: [['10.0.0.0/8', 'vnat', '10.200.0.0/16 via 10.200.0.0 dev utun4, gw 10.200.0.1', 'local'], ['10.1.0.0/16', 'route'],
    ['10.200.5.0/24', 'vnat', '10.200.0.0/16 via 10.200.0.0 dev utun4, gw 10.200.0.1', 'local']],
  translations: [{ cidr: '10.0.0.0/8', via: 'local' }, { cidr: '10.200.5.0/24', via: 'local' }] },
  { name: 'a covered conflicting subnet gives no second error', in: {
    podSubnets: ['10.0.0.0/8'], alsoProxy: ['10.1.0.0/16'], routes: [vpn4], routing: routing({ autoResolveConflicts: false }) },
  subnets: [['10.0.0.0/8', 'route', vpn4Text], ['10.1.0.0/16', 'covered']],
  errors: [`subnet 10.0.0.0/8 overlaps with existing route "${vpn4Text}"`] },
  // the virtual subnet
  { name: 'the virtual subnet is checked once something is translated', in: {
    serviceSubnets: ['10.130.0.0/16'], routes: [vpn4, route('246.0.0.0/8', 'tun9', { gateway: '246.0.0.1' })] },
  subnets: [['10.130.0.0/16', 'vnat', vpn4Text, 'local']],
  errors: ['subnet 246.246.0.0/16 overlaps with existing route "246.0.0.0/8 via 246.0.0.0 dev tun9, gw 246.0.0.1"'],
  translations: [{ cidr: '10.130.0.0/16', via: 'local' }] },
  { name: 'the virtual subnet is not checked when nothing is translated', in: {
    serviceSubnets: ['10.130.0.0/16'], routes: [route('246.0.0.0/8', 'tun9')] },
  subnets: [['10.130.0.0/16', 'route']] },
  { name: 'an allowed conflict of the virtual subnet is fine', in: {
    serviceSubnets: ['10.130.0.0/16'], routes: [vpn4, route('246.0.0.0/8', 'tun9')],
    routing: routing({ allowConflictingSubnets: ['246.246.0.0/16'] }) },
  subnets: [['10.130.0.0/16', 'vnat', vpn4Text, 'local']], translations: [{ cidr: '10.130.0.0/16', via: 'local' }] },
  { name: 'an invalid virtual subnet is reported', in: {
    serviceSubnets: ['10.130.0.0/16'], routing: routing({ virtualSubnet: '246.246.0.0/99' }) },
  subnets: [['10.130.0.0/16', 'route']],
  errors: ['invalid CIDR "246.246.0.0/99": the prefix length 99 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'] },
  // our own TUN and skipped routes
  { name: 'routes on our own TUN and skipped routes are no conflict', in: {
    serviceSubnets: ['10.96.0.0/12'], podSubnets: ['10.244.0.0/16'], routes: [
      route('10.96.0.0/12', 'tel0'), route('10.0.0.0/8', 'tel0'), route('10.244.0.0/16', null, { type: 'unreachable', metric: 9999 }),
      route('10.244.0.1/32', 'eth0', { type: 'local', table: 'local' }), route('0.0.0.0/1', 'utun4'), route('128.0.0.0/1', 'utun4')] },
  subnets: [['10.96.0.0/12', 'route'], ['10.244.0.0/16', 'route']] },
  { name: 'a directly connected LAN conflicts too', in: {
    podSubnets: ['192.168.0.0/16'], routes: [route('192.168.1.0/24', 'eth0', { src: '192.168.1.20' })], routing: routing({ autoResolveConflicts: false }) },
  subnets: [['192.168.0.0/16', 'route', '192.168.1.0/24 via 192.168.1.20 dev eth0, gw <nil>']],
  errors: ['subnet 192.168.0.0/16 overlaps with existing route "192.168.1.0/24 via 192.168.1.20 dev eth0, gw <nil>"'] },
  { name: 'non-canonical input is canonicalized', in: { serviceSubnets: ['10.96.7.7/12'], podSubnets: ['FD00:0::1/64'] },
    subnets: [['10.96.0.0/12', 'route'], ['fd00::/64', 'route']] },
];

describe('engine/plan: decision rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const p = planRoutes(input(c.in));
      const rows = p.subnets.map((s) => {
        const row: Row = [s.cidr, s.action];
        if (s.conflictsWith !== null || s.via !== null) row.push(s.conflictsWith);
        if (s.via !== null) row.push(s.via);
        return row;
      });
      expect(rows).to.deep.equal(c.subnets);
      expect(p.errors).to.deep.equal(c.errors ?? []);
      expect(p.neverProxy).to.deep.equal(c.neverProxy ?? []);
      expect(p.translations).to.deep.equal(c.translations ?? []);
      expect(p.virtualSubnet).to.equal(c.in.routing?.virtualSubnet ?? '246.246.0.0/16');
    });
  }

  it('sources are reported as given (service, pods, also) and never throws on bad input', () => {
    const p = planRoutes(input({ serviceSubnets: ['10.96.0.0/12', 'nonsense'], podSubnets: ['10.244.0.0/16'], alsoProxy: ['10.250.0.0/16'] }));
    expect(p.subnets.map((s) => s.source)).to.deep.equal(['service', 'pods', 'also']);
    expect(p.errors).to.deep.equal([
      'invalid CIDR "nonsense": it is neither an IP address nor ADDRESS/LENGTH; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64',
    ]);
  });
});
