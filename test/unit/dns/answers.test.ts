// VNAT rewriting of cluster answers, with the engine's real allocator: which addresses become
// virtual, which stay, AAAA, the type filter, names and TTLs.
import { expect } from 'chai';
import { covers, VirtualIpAllocator } from '../../../src/engine/index.js';
import { rewriteClusterResult, TYPE, type DnsRecord, type TranslateIp } from '../../../src/dns/index.js';
import { a, aaaa, cname, ok } from './helpers.js';

/** VNAT for 10.130.0.0/16 and fd00:1::/64 into 246.246.0.0/16 (as a session builds it from the plan). */
function vnat(): { translate: TranslateIp; allocator: VirtualIpAllocator } {
  const allocator = new VirtualIpAllocator('246.246.0.0/16');
  const vnatted = ['10.130.0.0/16', 'fd00:1::/64'];
  const translate: TranslateIp = (ip) => {
    const host = ip.includes(':') ? `${ip}/128` : `${ip}/32`;
    return vnatted.some((net) => { try { return covers(net, host); } catch { return false; } }) ? allocator.translate(ip) : undefined;
  };
  return { translate, allocator };
}

describe('dns/answers: VNAT rewrite of cluster answers', () => {
  const cases: { title: string; type: number; answers: DnsRecord[]; expected: DnsRecord[] }[] = [
    {
      title: 'A in a VNAT\'d subnet -> virtual IP, in allocation order, same IP same virtual IP',
      type: TYPE.A,
      answers: [a('web.ns', '10.130.0.10'), a('web.ns', '10.130.0.11'), a('web.ns', '10.130.0.10')],
      expected: [a('Web.NS', '246.246.0.1', 4), a('Web.NS', '246.246.0.2', 4), a('Web.NS', '246.246.0.1', 4)],
    },
    {
      title: 'A outside every VNAT\'d subnet stays',
      type: TYPE.A,
      answers: [a('web.ns', '10.132.0.5'), a('web.ns', '10.130.0.10')],
      expected: [a('Web.NS', '10.132.0.5', 4), a('Web.NS', '246.246.0.1', 4)],
    },
    {
      title: 'AAAA in a VNAT\'d IPv6 subnet -> the IPv4 virtual IP, IPv4-mapped',
      type: TYPE.AAAA,
      answers: [aaaa('web.ns', 'fd00:1::10'), aaaa('web.ns', 'fd00:2::10')],
      expected: [aaaa('Web.NS', '::ffff:f6f6:1', 4), aaaa('Web.NS', 'fd00:2::10', 4)],
    },
    {
      title: 'AAAA question answered with A records by the pod -> only AAAA and CNAME kept (NODATA here)',
      type: TYPE.AAAA,
      answers: [a('web.ns', '10.130.0.10')],
      expected: [],
    },
    {
      title: 'a CNAME chain keeps its names; only the asked name takes the asked spelling',
      type: TYPE.A,
      answers: [cname('web.ns', 'web.ns.svc.cluster.local', 2), a('web.ns.svc.cluster.local', '10.130.0.10', 2)],
      expected: [cname('Web.NS', 'web.ns.svc.cluster.local', 2), a('web.ns.svc.cluster.local', '246.246.0.1', 2)],
    },
    {
      title: 'other types pass whole (SRV), TTL still capped',
      type: TYPE.SRV,
      answers: [{ name: 'web.ns', type: TYPE.SRV, class: 1, ttl: 300, priority: 0, weight: 0, port: 80, target: 'web.ns.svc.cluster.local' } as DnsRecord],
      expected: [{ name: 'Web.NS', type: TYPE.SRV, class: 1, ttl: 4, priority: 0, weight: 0, port: 80, target: 'web.ns.svc.cluster.local' } as DnsRecord],
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const { translate } = vnat();
      const input = ok(...c.answers);
      const before = JSON.stringify(input);
      const out = rewriteClusterResult('Web.NS', c.type, input, { ttlSeconds: 4, translate });
      expect(out).to.deep.equal({ rcode: 0, answers: c.expected, authorities: [] });
      expect(JSON.stringify(input)).to.equal(before); // cached answers stay real
    });
  }

  it('without VNAT only the type filter, names and TTLs apply', () => {
    expect(rewriteClusterResult('web', TYPE.A, ok(a('web', '10.130.0.10', 1)), { ttlSeconds: 4 })).to.deep.equal({
      rcode: 0, answers: [a('web', '10.130.0.10', 1)], authorities: [],
    });
  });

  it('an A record whose virtual IP is IPv6 is dropped (an A record cannot carry it)', () => {
    const allocator = new VirtualIpAllocator('fd99::/112');
    const out = rewriteClusterResult('web', TYPE.A, ok(a('web', '10.130.0.10'), a('web', '10.1.0.1')), {
      ttlSeconds: 4,
      translate: (ip) => (ip.startsWith('10.130.') ? allocator.translate(ip) : undefined),
    });
    expect(out.answers).to.deep.equal([a('web', '10.1.0.1', 4)]);
  });
});
