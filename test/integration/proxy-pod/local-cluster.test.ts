// The proxy pod's DNS on a local cluster (TELEPRESENCE_NAMESERVER): names outside the cluster go to
// that nameserver, for every record type, and never to the pod's own (which would ask the
// workstation); cluster names and TELEPRESENCE_LOCAL_NAMES stay with the cluster's DNS. Without the
// variable, the same questions all go to the pod's nameserver. Two real resolvers, the real program.
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInPodNamespace } from '../../helpers/pod-namespace.js';
import type { LocalClusterReport } from './local-cluster-fixture.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'local-cluster-fixture.js');

describe('proxy-pod DNS on a local cluster: the external nameserver (unshare -n -m, two resolvers)', function () {
  this.timeout(60_000);
  let report: LocalClusterReport;

  before(async () => {
    report = JSON.parse(await runInPodNamespace(FIXTURE, 'tp-pod-local-')) as LocalClusterReport;
  });

  it('with TELEPRESENCE_NAMESERVER: a name outside the cluster is answered by it (A and TXT), and the pod nameserver never sees it', () => {
    const { answers, cluster, external } = report.runs.local;
    expect(answers['www.example.org A']).to.equal('192.0.2.80');
    expect(answers['www.example.org TXT']).to.equal('"from the external nameserver"');
    expect(external).to.deep.equal(['www.example.org A', 'www.example.org TXT', 'www.example.org A']); // dig's two, then the SOCKS RESOLVE
    expect(cluster.filter((q) => q.startsWith('www.example.org'))).to.deep.equal([]);
  });

  it('with it, cluster names and TELEPRESENCE_LOCAL_NAMES still go to the cluster DNS', () => {
    const { answers, cluster } = report.runs.local;
    expect(answers['my-service A']).to.equal('10.96.0.11');
    expect(answers['db.corp.internal A']).to.equal('10.0.0.5');
    expect(cluster).to.include('my-service.ns1.svc.cluster.local A');
    expect(cluster).to.include('db.corp.internal A');
  });

  it("with it, the SOCKS server's RESOLVE (inject-tcp's names) asks it too for a name outside the cluster; cluster names stay with the cluster DNS", () => {
    const { socks, cluster, external } = report.runs.local;
    expect(socks).to.deep.equal({ 'my-service': '10.96.0.11', 'www.example.org': '192.0.2.80' });
    expect(external.filter((q) => q === 'www.example.org A')).to.have.length(2); // dig's and RESOLVE's
    expect(cluster.filter((q) => q.startsWith('www.example.org'))).to.deep.equal([]);
  });

  it('the pod says where those names go', () => {
    expect(report.runs.local.podLog).to.contain('dns, socks: names outside the cluster go to 127.0.0.2 (local cluster)');
    expect(report.runs.local.podLog).to.contain('dns: www.example.org -> 192.0.2.80 (external nameserver)');
  });

  it('without it, every question goes to the pod nameserver and the second resolver is never asked', () => {
    const { answers, cluster, external } = report.runs.plain;
    expect(answers['www.example.org A']).to.equal('10.0.0.80');
    expect(answers['www.example.org TXT']).to.equal('"from the cluster"');
    expect(cluster).to.include('www.example.org A');
    expect(cluster).to.include('www.example.org TXT');
    expect(external).to.deep.equal([]);
    expect(report.runs.plain.socks).to.deep.equal({ 'my-service': '10.96.0.11', 'www.example.org': '10.0.0.80' });
  });
});
