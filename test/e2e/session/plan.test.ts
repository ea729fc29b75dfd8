// `telepresence plan` without subnets on the command line: it discovers them in the cluster.
import { expect } from 'chai';
import { useCluster } from '../helpers/cluster.js';
import { telepresence } from './run.js';

describe('telepresence plan against the cluster (e2e)', function () {
  this.timeout(60_000);
  const fx = useCluster();

  it("discovers the pod and service subnets and plans them against the host's live routes", async () => {
    const r = await telepresence(['plan', '--json', '--namespace', fx.namespace]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const plan = JSON.parse(r.stdout) as { subnets: { cidr: string; source: string; action: string; conflictsWith: string | null }[]; errors: string[] };
    // The test cluster's guard routes are `unreachable`: they carry no traffic and are no conflict.
    expect(plan.subnets.map(({ cidr, source, action, conflictsWith }) => ({ cidr, source, action, conflictsWith }))).to.deep.equal([
      { cidr: '10.130.0.0/16', source: 'service', action: 'route', conflictsWith: null },
      { cidr: '10.132.0.0/16', source: 'pods', action: 'route', conflictsWith: null },
    ]);
    expect(plan.errors).to.deep.equal([]);
    expect(await fx.kubectl(['get', 'services', '-o', 'name'])).to.equal('');
  });
});
