import { expect } from 'chai';
import { clusterDomainOf } from '../../../methods/cluster-routing.js';

describe('methods: the cluster DNS domain from the pod resolv.conf', () => {
  const cases: [string, string][] = [
    ['search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n', 'cluster.local'],
    ['nameserver 10.0.0.10\nsearch team-a.svc.corp.example svc.corp.example corp.example ec2.internal\n', 'corp.example'],
    ['search Default.SVC.Cluster.Local.\n', 'cluster.local'],
    ['search ec2.internal\n', 'cluster.local'],
    ['', 'cluster.local'],
  ];
  for (const [resolv, domain] of cases) {
    it(`finds ${domain} in ${JSON.stringify(resolv.slice(0, 50))}`, () => expect(clusterDomainOf(resolv)).to.equal(domain));
  }
});
