// Subnets read out of API answers: the service range from the out-of-range error, pod subnets from
// node podCIDRs and from pod IPs.
import { expect } from 'chai';

import { podSubnetsFromNodes, podSubnetsFromPods, serviceRangeFromError } from '../../../src/kube/subnet-text.js';

describe('kube/subnet-text', () => {
  describe('serviceRangeFromError', () => {
    const cases: Array<[string, string, string[]]> = [
      ['Kubernetes < 1.31 text', 'Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: '
        + 'the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12', ['10.96.0.0/12']],
      ['local cluster', 'failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.130.0.0/16', ['10.130.0.0/16']],
      ['dual stack, two sentences', 'The range of valid IPs is 10.96.0.0/12; The range of valid IPs is fd00:10:96::/112', ['10.96.0.0/12', 'fd00:10:96::/112']],
      ['comma list', 'The range of valid IPs is 10.96.0.0/12, fd00::/108', ['10.96.0.0/12', 'fd00::/108']],
      ['non-canonical', 'The range of valid IPs is 10.96.1.0/12', ['10.96.0.0/12']],
      ['another error', 'services "x" is forbidden: User "u" cannot create resource "services"', []],
      ['no CIDR', 'The range of valid IPs is unknown', []],
    ];
    for (const [name, text, want] of cases) it(name, () => expect(serviceRangeFromError(text)).to.deep.equal(want));
  });

  describe('podSubnetsFromNodes', () => {
    const cases: Array<[string, Parameters<typeof podSubnetsFromNodes>[0], string[]]> = [
      ['no nodes', [], []],
      ['nodes without podCIDR', [{}, {}], []],
      ['podCIDR', [{ podCIDR: '10.132.0.0/16' }], ['10.132.0.0/16']],
      ['per-node /24s', [{ podCIDR: '10.244.0.0/24' }, { podCIDR: '10.244.1.0/24' }], ['10.244.0.0/24', '10.244.1.0/24']],
      ['podCIDRs wins over podCIDR', [{ podCIDR: '10.1.0.0/24', podCIDRs: ['10.1.0.0/24', 'fd00::/64'] }], ['10.1.0.0/24', 'fd00::/64']],
      ['duplicates and covered ones dropped', [{ podCIDR: '10.0.0.0/8' }, { podCIDR: '10.1.0.0/16' }, { podCIDR: '10.0.0.0/8' }], ['10.0.0.0/8']],
      ['garbage skipped', [{ podCIDR: 'nope' }, { podCIDR: '10.2.0.0/16' }], ['10.2.0.0/16']],
    ];
    for (const [name, nodes, want] of cases) it(name, () => expect(podSubnetsFromNodes(nodes)).to.deep.equal(want));
  });

  describe('podSubnetsFromPods', () => {
    const cases: Array<[string, Parameters<typeof podSubnetsFromPods>[0], string[]]> = [
      ['no pods', [], []],
      ['pods in one /24', [{ podIPs: ['10.132.0.5'] }, { podIPs: ['10.132.0.9'] }], ['10.132.0.0/24']],
      ['host-network pods left out', [{ podIPs: ['10.132.0.5'] }, { hostNetwork: true, podIPs: ['192.168.1.10'] }], ['10.132.0.0/24']],
      ['pods without IPs', [{}, { podIPs: [] }], []],
      ['spread over a /16', [{ podIPs: ['10.132.0.5'] }, { podIPs: ['10.132.200.9'] }], ['10.132.0.0/16']],
    ];
    for (const [name, pods, want] of cases) it(name, () => expect(podSubnetsFromPods(pods)).to.deep.equal(want));
  });
});
