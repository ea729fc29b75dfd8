// The VPN documentation's own example through planRoutes, IPv4 and IPv6 (reference/routing.md,
// telepresence-docs/vpn-2.21.txt).
import { expect } from 'chai';
import { planRoutes, tunRoutes } from '../../../src/engine/index.js';
import type { HostRoute, Plan, RoutingConfig } from '../../../src/engine/index.js';
import { input, route, routing } from './helpers.js';

interface Family {
  name: string;
  vpn: HostRoute;
  vpnText: string;
  service: string;
  pods: string;
  allow: string;
  /** The VPN when it only routes the half of its range without the cluster, plus a split default. */
  narrowVpn: HostRoute[];
}

const families: Family[] = [
  {
    name: 'IPv4',
    vpn: route('10.0.0.0/8', 'utun4', { gateway: '10.0.0.1' }),
    vpnText: '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1',
    service: '10.130.0.0/16',
    pods: '10.132.0.0/16',
    allow: '10.128.0.0/9',
    narrowVpn: [
      route('10.0.0.0/9', 'utun4', { gateway: '10.0.0.1' }),
      route('0.0.0.0/1', 'utun4', { gateway: '10.0.0.1' }),
      route('128.0.0.0/1', 'utun4', { gateway: '10.0.0.1' }),
    ],
  },
  {
    name: 'IPv6',
    vpn: route('fd12::/16', 'utun4', { gateway: 'fd12::1', src: 'fd12::99' }),
    vpnText: 'fd12::/16 via fd12::99 dev utun4, gw fd12::1',
    service: 'fd12:8130::/108',
    pods: 'fd12:8132::/64',
    allow: 'fd12:8000::/17',
    narrowVpn: [
      route('fd12::/17', 'utun4', { gateway: 'fd12::1' }),
      route('::/1', 'utun4', { gateway: 'fd12::1' }),
      route('8000::/1', 'utun4', { gateway: 'fd12::1' }),
    ],
  },
];

for (const f of families) {
  describe(`engine/plan: the VPN documentation example (${f.name})`, () => {
    const plan = (routes: HostRoute[], extra: Partial<RoutingConfig> = {}): Plan =>
      planRoutes(input({
        serviceSubnets: [f.service], podSubnets: [f.pods], routes: [route('0.0.0.0/0', 'eth0', { gateway: '192.168.1.1' }), ...routes],
        routing: routing(extra),
      }));
    const subnet = (cidr: string, source: 'service' | 'pods', action: string, conflictsWith: string | null, via: string | null) =>
      ({ cidr, source, action, conflictsWith, via });

    it('by default both subnets are VNATed, with no error', () => {
      expect(plan([f.vpn])).to.deep.equal({
        virtualSubnet: '246.246.0.0/16',
        subnets: [
          subnet(f.service, 'service', 'vnat', f.vpnText, 'local'),
          subnet(f.pods, 'pods', 'vnat', f.vpnText, 'local'),
        ],
        errors: [],
        neverProxy: [],
        translations: [{ cidr: f.service, via: 'local' }, { cidr: f.pods, via: 'local' }],
      });
    });

    it('autoResolveConflicts: false gives the exact error and routes nothing new', () => {
      const p = plan([f.vpn], { autoResolveConflicts: false });
      expect(p.errors).to.deep.equal([
        `subnet ${f.service} overlaps with existing route "${f.vpnText}"`,
        `subnet ${f.pods} overlaps with existing route "${f.vpnText}"`,
      ]);
      expect(p.subnets).to.deep.equal([
        subnet(f.service, 'service', 'route', f.vpnText, null),
        subnet(f.pods, 'pods', 'route', f.vpnText, null),
      ]);
      expect(p.translations).to.deep.equal([]);
    });

    it(`allowConflictingSubnets [${f.allow}] allows both conflicts`, () => {
      const p = plan([f.vpn], { allowConflictingSubnets: [f.allow] });
      expect(p.errors).to.deep.equal([]);
      expect(p.subnets).to.deep.equal([
        subnet(f.service, 'service', 'allowed-conflict', f.vpnText, null),
        subnet(f.pods, 'pods', 'allowed-conflict', f.vpnText, null),
      ]);
      expect(tunRoutes(p)).to.deep.equal([f.service, f.pods]);
    });

    it('no conflict when the VPN routes only the other half, beside a split default (/1 routes)', () => {
      const p = plan(f.narrowVpn);
      expect(p.errors).to.deep.equal([]);
      expect(p.subnets).to.deep.equal([
        subnet(f.service, 'service', 'route', null, null),
        subnet(f.pods, 'pods', 'route', null, null),
      ]);
      expect(tunRoutes(p)).to.deep.equal([f.service, f.pods]);
    });

    it('VNAT routes the virtual subnet instead of the cluster subnets', () => {
      expect(tunRoutes(plan([f.vpn]))).to.deep.equal(['246.246.0.0/16']);
    });
  });
}
