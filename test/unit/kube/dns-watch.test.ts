// The DNS watch's pure parts: Services, Endpoints, EndpointSlices and Pods as DNS records, and the
// progress line that says how the table follows the cluster.
import { expect } from 'chai';
import type { V1Endpoints, V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

import {
  describeDnsWatch, endpointsRecord, podRecord, serviceRecord, sliceRecord,
  type DnsEndpoints, type DnsPod, type DnsService,
} from '../../../src/kube/dns-watch.js';

const meta = (name: string, extra: object = {}) => ({ namespace: 'team-a', name, ...extra });

describe('kube/dns-watch records', () => {
  describe('serviceRecord', () => {
    const cases: Array<[string, V1Service, DnsService | undefined]> = [
      ['ClusterIP with named and unnamed ports, protocol default TCP',
        { metadata: meta('web'), spec: { type: 'ClusterIP', clusterIP: '10.130.0.7', clusterIPs: ['10.130.0.7'],
          ports: [{ name: 'http', port: 80 }, { port: 53, protocol: 'UDP' }] } },
        { namespace: 'team-a', name: 'web', type: 'ClusterIP', clusterIPs: ['10.130.0.7'], headless: false,
          ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }],
      ['no type, clusterIP only (older servers)', { metadata: meta('old'), spec: { clusterIP: '10.130.0.8' } },
        { namespace: 'team-a', name: 'old', type: 'ClusterIP', clusterIPs: ['10.130.0.8'], headless: false, ports: [] }],
      ['dual stack NodePort', { metadata: meta('ds'), spec: { type: 'NodePort', clusterIP: '10.130.0.9', clusterIPs: ['10.130.0.9', 'fd00::9'],
        ports: [{ name: 'h', port: 80, protocol: 'SCTP', nodePort: 30080 }] } },
      { namespace: 'team-a', name: 'ds', type: 'NodePort', clusterIPs: ['10.130.0.9', 'fd00::9'], headless: false, ports: [{ name: 'h', port: 80, protocol: 'SCTP' }] }],
      ['headless', { metadata: meta('db'), spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432 }] } },
        { namespace: 'team-a', name: 'db', type: 'ClusterIP', clusterIPs: [], headless: true, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }],
      ['ExternalName', { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'example.org' } },
        { namespace: 'team-a', name: 'ext', type: 'ExternalName', clusterIPs: [], headless: false, externalName: 'example.org', ports: [] }],
      ['LoadBalancer', { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIPs: ['10.130.0.10'], ports: [{ port: 443 }] } },
        { namespace: 'team-a', name: 'lb', type: 'LoadBalancer', clusterIPs: ['10.130.0.10'], headless: false, ports: [{ port: 443, protocol: 'TCP' }] }],
      ['no namespace', { metadata: { name: 'x' }, spec: {} }, undefined],
    ];
    for (const [name, svc, want] of cases) it(name, () => expect(serviceRecord(svc)).to.deep.equal(want));
  });

  describe('endpointsRecord', () => {
    const pod = (name: string) => ({ kind: 'Pod', namespace: 'team-a', name });
    const cases: Array<[string, V1Endpoints, DnsEndpoints | undefined]> = [
      ['ready and not-ready addresses, hostnames, pod names, ports of every subset (once)', {
        metadata: meta('db'),
        subsets: [
          { addresses: [{ ip: '10.132.0.5', hostname: 'db-0', targetRef: pod('db-0') }], notReadyAddresses: [{ ip: '10.132.0.6', targetRef: pod('db-1') }],
            ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
          { addresses: [{ ip: '10.132.0.7' }], ports: [{ name: 'pg', port: 5433 }, { name: 'pg', port: 5432, protocol: 'TCP' }] },
        ],
      }, {
        namespace: 'team-a', service: 'db', key: 'db',
        addresses: [
          { ip: '10.132.0.5', ready: true, hostname: 'db-0', podName: 'db-0' },
          { ip: '10.132.0.6', ready: false, podName: 'db-1' },
          { ip: '10.132.0.7', ready: true },
        ],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }, { name: 'pg', port: 5433, protocol: 'TCP' }],
      }],
      ['no subsets (no pods yet)', { metadata: meta('web') }, { namespace: 'team-a', service: 'web', key: 'web', addresses: [], ports: [] }],
      ['a targetRef that is not a Pod', { metadata: meta('ext'), subsets: [{ addresses: [{ ip: '192.0.2.1', targetRef: { kind: 'Node', name: 'n1' } }] }] },
        { namespace: 'team-a', service: 'ext', key: 'ext', addresses: [{ ip: '192.0.2.1', ready: true }], ports: [] }],
    ];
    for (const [name, ep, want] of cases) it(name, () => expect(endpointsRecord(ep)).to.deep.equal(want));
  });

  describe('sliceRecord', () => {
    const labels = { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
    const cases: Array<[string, V1EndpointSlice, DnsEndpoints | undefined]> = [
      ['IPv4: every address of an endpoint, ready from conditions (unset = ready), hostname, pod name', {
        addressType: 'IPv4', metadata: meta('db-x7k2p', { labels }),
        endpoints: [
          { addresses: ['10.132.0.5'], conditions: { ready: true }, hostname: 'db-0', targetRef: { kind: 'Pod', namespace: 'team-a', name: 'db-0' } },
          { addresses: ['10.132.0.6', '10.132.0.16'], conditions: { ready: false, serving: true, terminating: true }, targetRef: { kind: 'Pod', name: 'db-1' } },
          { addresses: ['10.132.0.7'] },
        ],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }, { name: 'all' }, { port: 53, protocol: 'UDP' }],
      }, {
        namespace: 'team-a', service: 'db', key: 'db-x7k2p',
        addresses: [
          { ip: '10.132.0.5', ready: true, hostname: 'db-0', podName: 'db-0' },
          { ip: '10.132.0.6', ready: false, podName: 'db-1' },
          { ip: '10.132.0.16', ready: false, podName: 'db-1' },
          { ip: '10.132.0.7', ready: true },
        ],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }],
      }],
      ['IPv6', { addressType: 'IPv6', metadata: meta('web-6', { labels: { 'kubernetes.io/service-name': 'web' } }), endpoints: [{ addresses: ['fd00::5'] }] },
        { namespace: 'team-a', service: 'web', key: 'web-6', addresses: [{ ip: 'fd00::5', ready: true }], ports: [] }],
      ['FQDN: no IP addresses', { addressType: 'FQDN', metadata: meta('f', { labels }), endpoints: [{ addresses: ['example.org'] }] },
        { namespace: 'team-a', service: 'db', key: 'f', addresses: [], ports: [] }],
      ['no service-name label: no Service', { addressType: 'IPv4', metadata: meta('orphan'), endpoints: [{ addresses: ['10.132.0.9'] }] }, undefined],
    ];
    for (const [name, slice, want] of cases) it(name, () => expect(sliceRecord(slice)).to.deep.equal(want));
  });

  describe('podRecord', () => {
    const cases: Array<[string, V1Pod, DnsPod | undefined]> = [
      ['hostname and subdomain from the spec, IPs from podIPs', {
        metadata: meta('db-0'), spec: { containers: [], hostname: 'db-0', subdomain: 'db' },
        status: { phase: 'Running', podIP: '10.132.0.5', podIPs: [{ ip: '10.132.0.5' }, { ip: 'fd00::5' }] },
      }, { namespace: 'team-a', name: 'db-0', ips: ['10.132.0.5', 'fd00::5'], hostname: 'db-0', subdomain: 'db' }],
      ['podIP only', { metadata: meta('p'), spec: { containers: [] }, status: { phase: 'Running', podIP: '10.132.0.6' } },
        { namespace: 'team-a', name: 'p', ips: ['10.132.0.6'] }],
      ['pending, no IP yet', { metadata: meta('p'), spec: { containers: [] }, status: { phase: 'Pending' } }, { namespace: 'team-a', name: 'p', ips: [] }],
      ['ended: its IP is given back', { metadata: meta('job'), spec: { containers: [], hostname: 'j' }, status: { phase: 'Succeeded', podIP: '10.132.0.7' } },
        { namespace: 'team-a', name: 'job', ips: [], hostname: 'j' }],
      ['failed', { metadata: meta('f'), spec: { containers: [] }, status: { phase: 'Failed', podIPs: [{ ip: '10.132.0.8' }] } }, { namespace: 'team-a', name: 'f', ips: [] }],
      ['no name', { metadata: { namespace: 'team-a' } }, undefined],
    ];
    for (const [name, pod, want] of cases) it(name, () => expect(podRecord(pod)).to.deep.equal(want));
  });

  describe('describeDnsWatch', () => {
    it('cluster-wide, Endpoints', () => expect(describeDnsWatch({ mode: 'cluster-wide', endpointsApi: 'endpoints', namespaces: ['a'] }))
      .to.equal('DNS answers from a cluster-wide watch of Services, Endpoints and Pods'));
    it('per namespace, EndpointSlices, with the reason', () => expect(describeDnsWatch({
      mode: 'per-namespace', endpointsApi: 'endpointslices', namespaces: ['default', 'team-a'],
      reason: 'services is forbidden: User "jane" cannot list resource "services" in API group "" at the cluster scope',
    })).to.equal('DNS answers from watches of Services, EndpointSlices and Pods in namespaces default, team-a (a cluster-wide watch is forbidden: '
      + 'services is forbidden: User "jane" cannot list resource "services" in API group "" at the cluster scope)'));
  });
});
