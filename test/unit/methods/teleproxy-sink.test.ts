import { expect } from 'chai';
import { ClusterDnsTable, RCODE, TYPE } from '../../../src/dns/index.js';
import { TableSink } from '../../../methods/teleproxy.js';

describe('teleproxy: the watch events into the DNS table', () => {
  const svc = (name: string, ip: string) => ({ namespace: 'ns', name, type: 'ClusterIP' as const, clusterIPs: [ip], headless: false, ports: [{ name: 'http', port: 80, protocol: 'TCP' as const }] });

  it('a relist of one kind drops that kind only; upserts and deletes pass through', () => {
    const table = new ClusterDnsTable({ clusterDomain: 'cluster.local', sessionNamespace: 'ns' });
    const sink = new TableSink(table);
    const a = (name: string) => table.lookup(`${name}.ns.svc.cluster.local`, TYPE.A);
    sink.upsertService(svc('one', '10.130.0.5'));
    sink.upsertService(svc('two', '10.130.0.6'));
    sink.upsertPod({ namespace: 'ns', name: 'p', ips: ['10.132.0.9'] });
    expect(a('one').answers.map((r) => (r as { address: string }).address)).to.deep.equal(['10.130.0.5']);
    sink.deleteService('ns', 'two');
    expect(a('two').rcode).to.equal(RCODE.NXDOMAIN);
    sink.reset('services');
    expect(a('one').rcode).to.equal(RCODE.NXDOMAIN);
    expect(table.size.services).to.equal(0);
    expect(table.size.pods).to.equal(1);
    sink.upsertService(svc('one', '10.130.0.7'));
    expect(a('one').answers.map((r) => (r as { address: string }).address)).to.deep.equal(['10.130.0.7']);
    sink.reset('pods');
    expect(table.size.pods).to.equal(0);
  });
});
