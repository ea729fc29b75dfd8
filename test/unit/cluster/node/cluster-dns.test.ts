// The cluster DNS answers (answer()): ClusterIP and headless Services, a pod's stable name through its
// Service's Endpoints, ExternalName aliases (CNAME, followed once inside cluster.local), and refusals.
import { expect } from 'chai';

import { answer, type DnsData, type EndpointsObject, type ServiceObject } from '../../../cluster/node/cluster-dns.js';

const services: ServiceObject[] = [
  { metadata: { name: 'web', namespace: 'ns' }, spec: { clusterIP: '10.130.0.20' } },
  { metadata: { name: 'db', namespace: 'ns' }, spec: { clusterIP: 'None' } },
  { metadata: { name: 'ext', namespace: 'ns' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } },
  { metadata: { name: 'inner', namespace: 'ns' }, spec: { type: 'ExternalName', externalName: 'web.ns.svc.cluster.local' } },
  { metadata: { name: 'loop', namespace: 'ns' }, spec: { type: 'ExternalName', externalName: 'inner.ns.svc.cluster.local' } },
];
const endpoints: EndpointsObject[] = [
  { metadata: { name: 'db', namespace: 'ns' }, subsets: [{ addresses: [
    { ip: '10.132.0.7', hostname: 'db-1' }, { ip: '10.132.0.5', hostname: 'db-0' }, { ip: '10.132.0.9' },
  ] }] },
];
const data: DnsData = {
  service: (ns, name) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  endpoints: (ns, name) => endpoints.find((e) => e.metadata.namespace === ns && e.metadata.name === name),
};

describe('cluster DNS answers', () => {
  const cases: [string, 'A' | 'other', ReturnType<typeof answer>][] = [
    ['web.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: ['10.130.0.20'] }],
    ['WEB.ns.svc.cluster.local.', 'A', { rcode: 'NOERROR', addresses: ['10.130.0.20'] }],
    ['web.ns.svc.cluster.local', 'other', { rcode: 'NOERROR', addresses: [] }],
    ['db.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: ['10.132.0.7', '10.132.0.5', '10.132.0.9'] }],
    ['db-0.db.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: ['10.132.0.5'] }],
    ['db-1.db.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: ['10.132.0.7'] }],
    ['db-2.db.ns.svc.cluster.local', 'A', { rcode: 'NXDOMAIN' }],
    ['ext.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: [], cname: 'db.example.com' }],
    ['ext.ns.svc.cluster.local', 'other', { rcode: 'NOERROR', addresses: [], cname: 'db.example.com' }],
    ['x.ext.ns.svc.cluster.local', 'A', { rcode: 'NXDOMAIN' }],
    ['inner.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: ['10.130.0.20'], cname: 'web.ns.svc.cluster.local' }],
    ['inner.ns.svc.cluster.local', 'other', { rcode: 'NOERROR', addresses: [], cname: 'web.ns.svc.cluster.local' }],
    // One step only: an alias of an alias gives the first CNAME and no addresses.
    ['loop.ns.svc.cluster.local', 'A', { rcode: 'NOERROR', addresses: [], cname: 'inner.ns.svc.cluster.local' }],
    ['nope.ns.svc.cluster.local', 'A', { rcode: 'NXDOMAIN' }],
    ['web.ns.pod.cluster.local', 'A', { rcode: 'NXDOMAIN' }],
    ['example.com', 'A', { rcode: 'REFUSED' }],
  ];
  for (const [name, type, want] of cases) {
    it(`${name} ${type}`, () => expect(answer(name, type, data)).to.deep.equal(want));
  }
});
