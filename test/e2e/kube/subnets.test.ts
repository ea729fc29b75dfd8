// discoverSubnets against the local cluster: pod subnet from the node's podCIDR, service subnet from
// the API server's refusal of an out-of-range clusterIP; the probe Service never stays behind.
import { expect } from 'chai';

import { discoverSubnets } from '../../../src/kube/index.js';
import { useCluster } from '../helpers/cluster.js';
import { labelledTelepresence, targetOf } from './fixtures.js';

describe('kube: subnet discovery', function () {
  this.timeout(60_000);
  const fx = useCluster();

  it('finds the pod subnet (node podCIDR) and the service subnet (out-of-range error)', async () => {
    const target = await targetOf(fx);
    const node = (await fx.core.listNode()).items[0];
    expect(node.spec!.podCIDR).to.equal('10.132.0.0/16');
    expect(await discoverSubnets(target)).to.deep.equal({ podSubnets: ['10.132.0.0/16'], serviceSubnets: ['10.130.0.0/16'] });
    expect(await fx.kubectl(['get', 'svc', '-o', 'name'])).to.equal('');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });
});
