// The session's steps in order, with a fake cluster and a fake tunnel: a failure at each step unwinds
// exactly the steps before it, and the journal holds what is not undone yet.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { runFakeSession, STEPS, type Step } from './fake-session.js';

/** The undo each step registers (none for steps that change nothing). */
const UNDO_OF: Partial<Record<Step, string>> = {
  preflight: 'undo preflight', apply: 'undo proxy', connect: 'undo connection', mount: 'undo mount', prepare: 'undo method',
};

describe('session steps (fake cluster and tunnel)', () => {
  it('runs the steps in order, hands the pod environment to the user process, then undoes in reverse', async () => {
    const run = await runFakeSession();
    expect(run.error).to.equal(null);
    expect(run.code).to.equal(7);
    expect(run.events).to.deep.equal([
      ...STEPS.slice(0, -1), 'startUserProcess', 'user env FROM_POD=yes',
      'undo method', 'undo mount', 'undo connection', 'undo proxy', 'undo preflight',
    ]);
    expect(run.stderr).to.contain("T: Starting proxy with method 'inject-tcp' in namespace ns (deployment telepresence-");
    expect(run.stderr).to.contain('T: Setup complete. Launching your command.');
    expect(readdirSync(run.journalDir)).to.deep.equal([]);
  });

  for (const [i, failAt] of STEPS.entries()) {
    it(`a failure at ${failAt} unwinds exactly the steps before it`, async () => {
      const run = await runFakeSession({ failAt });
      expect(run.error).to.equal(`${failAt} failed`);
      const before = STEPS.slice(0, i);
      const undone = before.map((s) => UNDO_OF[s]).filter((u): u is string => u !== undefined).reverse();
      expect(run.events).to.deep.equal([...before, failAt, ...undone]);
      // Every journalled change was undone: nothing is left for a later run.
      expect(readdirSync(run.journalDir)).to.deep.equal([]);
    });
  }

  it('refuses a flag the method cannot act on before anything runs: Feature X not supported with method Y', async () => {
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--vnat', '10.0.0.0/8', '--run', 'true'] });
    expect(run.error).to.equal('Feature --vnat not supported with method inject-tcp');
    expect(run.events).to.deep.equal([]);
  });

  it('says that --local-cluster is ignored', async () => {
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--local-cluster', '--run', 'true'] });
    expect(run.code).to.equal(7);
    expect(run.stderr).to.contain('Warning: --local-cluster is ignored in this release');
  });

  it('--expose: one remote forward a port after the method is ready, stopped before the connection closes', async () => {
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--expose', '8080', '--expose', '9090:80', '--run', 'true'] });
    expect(run.error).to.equal(null);
    expect(run.events).to.deep.equal([
      ...STEPS.slice(0, -1), 'forwardIn 8080', 'forwardIn 80', 'startUserProcess', 'user env FROM_POD=yes',
      'undo forwardIn 8080', 'undo forwardIn 80', 'undo method', 'undo mount', 'undo connection', 'undo proxy', 'undo preflight',
    ]);
    expect(run.stderr).to.contain('T: Forwarding port 8080 of the proxy pod to localhost:8080 here\nT: Forwarding port 80 of the proxy pod to localhost:9090 here\n');
  });

  it("a swapped container's ports are exposed to the same ports here, after the user's mappings, which win for their pod port", async () => {
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--expose', '3000:8080', '--run', 'true'], automaticPorts: [9090, 8080] });
    expect(run.error).to.equal(null);
    expect(run.events.filter((e) => e.startsWith('forwardIn'))).to.deep.equal(['forwardIn 8080', 'forwardIn 9090']);
    expect(run.stderr).to.contain('T: Forwarding port 8080 of the proxy pod to localhost:3000 here\nT: Forwarding port 9090 of the proxy pod to localhost:9090 here\n');
  });

  it('says each swap the cluster-side repair restored; live ones go to the log only', async () => {
    const run = await runFakeSession({ swapRepairs: { restored: ['Restored Deployment echo to 2 replicas (session s1: its Lease is gone)'], alive: ['Deployment web is swapped by session s2, which is alive'] } });
    expect(run.stderr).to.contain('T: Repaired: Restored Deployment echo to 2 replicas (session s1: its Lease is gone)\n');
    expect(run.stderr).to.not.contain('Deployment web');
  });
});
