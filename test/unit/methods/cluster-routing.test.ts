import { expect } from 'chai';
import { clusterDomainOf, planVnat } from '../../../methods/cluster-routing.js';
import { planRoutes } from '../../../src/engine/index.js';

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

describe('methods: planVnat — where a translated address leaves the cluster (viaOf)', () => {
  const routing = { allowConflictingSubnets: [], autoResolveConflicts: true, virtualSubnet: '246.246.0.0/16', alsoProxySubnets: [], neverProxySubnets: [] };
  const plan = planRoutes({
    serviceSubnets: ['10.130.0.0/16'], podSubnets: ['10.132.0.0/16'], alsoProxy: [], apiServerIps: [], routes: [], routing,
    vnat: [
      { target: '10.130.0.0/16', via: 'client-app' },
      { target: '10.132.5.0/24', via: 'local' },
      { target: '127.0.0.0/8', via: 'mesh' },
    ],
  });
  const vnat = planVnat(plan);
  const echo = vnat.translate('10.130.0.20')!;
  const inner = vnat.translate('10.132.5.9')!;
  const loop = vnat.translate('127.0.0.5')!;

  it('plans the loopback CIDR as a translation (no route), without errors', () => {
    expect(plan.errors).to.deep.equal([]);
    expect(plan.translations).to.deep.equal([
      { cidr: '10.130.0.0/16', via: 'client-app' }, { cidr: '10.132.5.0/24', via: 'local' }, { cidr: '127.0.0.0/8', via: 'mesh' },
    ]);
  });
  const cases: [string, () => string, string | undefined][] = [
    ['a virtual IP of the --proxy-via CIDR', () => echo, 'client-app'],
    ['its cluster IP', () => '10.130.0.20', 'client-app'],
    ['a virtual IP of a --vnat CIDR inside the routed pod subnet', () => inner, 'local'],
    ['a virtual IP of a loopback address', () => loop, 'mesh'],
    ['a routed pod IP (no translation)', () => '10.132.0.9', undefined],
    ['a virtual IP nobody was given', () => '246.246.200.1', undefined],
  ];
  for (const [what, ip, via] of cases) it(`${what}: ${via ?? 'none'}`, () => expect(vnat.viaOf(ip())).to.equal(via));
  it('maps the loopback virtual IP back to 127.0.0.5', () => {
    expect(loop).to.match(/^246\.246\./);
    expect(vnat.toCluster(loop)).to.equal('127.0.0.5');
  });
});
