// getaddrinfo semantics in a pod-like namespace: search paths and ndots turn short names into
// cluster names for the system resolver, the pod DNS server and SOCKS RESOLVE alike.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInPodNamespace } from '../../helpers/pod-namespace.js';
import type { ResolverReport } from './pod-resolver-fixture.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pod-resolver-fixture.js');

describe('proxy-pod system resolver with pod search paths (unshare -n -m)', function () {
  this.timeout(60_000);
  let report: ResolverReport;

  before(async () => {
    report = JSON.parse(await runInPodNamespace(FIXTURE, 'tp-pod-resolv-')) as ResolverReport;
  });

  const table: [string, string, string][] = [
    ['my-service', '10.96.0.11', '0a60000b'],
    ['service.other-ns', '10.96.0.12', '0a60000c'],
    ['x.y.ns1.svc', '10.96.0.13', '0a60000d'],
    ['leave-me.local', '10.96.0.14', '0a60000e'],
  ];
  for (const [name, ip, hex] of table) {
    it(`${name} -> ${ip} (lookup, pod DNS, SOCKS RESOLVE)`, () => {
      expect(report.lookups[name]).to.deep.equal([ip]);
      expect(report.dig[name]).to.equal(`NOERROR | ${name}. 5 IN A ${ip}`);
      expect(report.socksResolve[name]).to.equal('0500' + '05000001' + hex + '0000');
    });
  }

  it('an unknown service is NXDOMAIN in DNS and 04 over SOCKS', () => {
    expect(report.lookups['no-such-service']).to.match(/^cannot resolve "no-such-service" in the pod: (ENOTFOUND|EAI_AGAIN)$/);
    expect(report.dig['no-such-service']).to.equal('NXDOMAIN');
    expect(report.socksResolve['no-such-service']).to.equal('0500' + '05040001000000000000');
  });

  it('the cluster DNS saw the search list applied (ndots:5: suffixes first)', () => {
    expect(report.clusterDnsQueries).to.include('my-service.ns1.svc.cluster.local 1');
    expect(report.clusterDnsQueries).to.include('service.other-ns.svc.cluster.local 1');
    expect(report.clusterDnsQueries).to.include('leave-me.local.ns1.svc.cluster.local 1');
  });

  it('SRV goes to the pod nameserver from resolv.conf', () => {
    expect(report.srv).to.equal('0 100 80 my-service.ns1.svc.cluster.local.');
  });

  it('left the host resolv.conf alone', () => {
    expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).to.not.contain('ns1.svc.cluster.local');
  });
});
