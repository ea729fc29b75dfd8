// The session's steps in order, with a fake cluster and a fake tunnel: a failure at each step unwinds
// exactly the steps before it, and the journal holds what is not undone yet.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { defaultConfig } from '../../../src/config/index.js';
import { runFakeSession, STEPS, type FakeOptions, type Step } from './fake-session.js';

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
      // podinfo runs while the volumes mount: its failure ends the session once the mount is done, and that is undone too.
      const alsoRan: Step[] = failAt === 'podinfo' ? ['mount'] : [];
      const undone = [...before, ...alsoRan].map((s) => UNDO_OF[s]).filter((u): u is string => u !== undefined).reverse();
      expect(run.events).to.deep.equal([...before, failAt, ...alsoRan, ...undone]);
      // Every journalled change was undone: nothing is left for a later run.
      expect(readdirSync(run.journalDir)).to.deep.equal([]);
    });
  }

  it('refuses a flag the method cannot act on before anything runs: Feature X not supported with method Y', async () => {
    const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--vnat', '10.0.0.0/8', '--run', 'true'] });
    expect(run.error).to.equal('Feature --vnat not supported with method inject-tcp');
    expect(run.events).to.deep.equal([]);
  });

  describe('local clusters', () => {
    const line = (what: string, ns = '8.8.8.8') => `T: ${what}: the proxy pod resolves names outside the cluster through ${ns}, not through this workstation\n`;
    const cases: [string, FakeOptions, string | null, Record<string, string> | undefined][] = [
      ['--local-cluster (inject-tcp, which routes nothing, too)', { argv: ['-m', 'inject-tcp', '--local-cluster', '--run', 'true'] }, line('Local cluster (--local-cluster)'), { TELEPRESENCE_NAMESERVER: '8.8.8.8' }],
      ['detected by context', { cluster: { context: 'kind-dev', apiServerIps: ['203.0.113.9'] } }, line('Local cluster detected (context kind-dev)'), { TELEPRESENCE_NAMESERVER: '8.8.8.8' }],
      ['detected by a loopback API server', { cluster: { context: 'dev', apiServerIps: ['127.0.0.1'] } }, line('Local cluster detected (API server 127.0.0.1 is a loopback address)'), { TELEPRESENCE_NAMESERVER: '8.8.8.8' }],
      ['detected by a host-only link (the route table is read)', { cluster: { context: 'vm', apiServerIps: ['192.168.56.10'] }, routes: [{ dst: '192.168.56.0/24', type: 'unicast', dev: 'vboxnet0', gateway: null, src: null, table: 'main', metric: null, isDefault: false }] },
        line('Local cluster detected (API server 192.168.56.10 is on a link of this workstation (192.168.56.0/24 dev vboxnet0))'), { TELEPRESENCE_NAMESERVER: '8.8.8.8' }],
      ['a remote cluster: no line, nothing for the pod', { cluster: { context: 'prod', apiServerIps: ['192.168.56.10'] } }, null, undefined],
      ['the config names the nameserver; --also-proxy names and include suffixes stay with the cluster', {
        argv: ['-m', 'inject-tcp', '--local-cluster', '--also-proxy', 'db.corp', '--run', 'true'],
        config: { ...defaultConfig(), dns: { ...defaultConfig().dns, includeSuffixes: ['.internal'] }, localCluster: { detect: true, nameserver: '192.0.2.53' } },
      }, line('Local cluster (--local-cluster)', '192.0.2.53'), { TELEPRESENCE_NAMESERVER: '192.0.2.53', TELEPRESENCE_LOCAL_NAMES: 'db.corp,internal' }],
      ['detection off in the config: only the flag counts', { cluster: { context: 'minikube', apiServerIps: ['127.0.0.1'] }, config: { ...defaultConfig(), localCluster: { detect: false, nameserver: '8.8.8.8' } } }, null, undefined],
    ];
    for (const [name, o, progress, podEnv] of cases) {
      it(name, async () => {
        const run = await runFakeSession(o);
        expect(run.error).to.equal(null);
        expect(run.code).to.equal(7);
        if (progress === null) expect(run.stderr).to.not.contain('Local cluster');
        else expect(run.stderr).to.contain(progress);
        expect(run.stderr).to.not.contain('--local-cluster is ignored');
        expect(run.podEnv).to.deep.equal(podEnv);
        // The route table is read only for an API server on a private address, and only when detecting.
        expect(run.events.includes('readRoutes')).to.equal(o.routes !== undefined || name.startsWith('a remote cluster'));
      });
    }

    it('--deployment (an existing pod, not changed): the line names the variable to set instead', async () => {
      const run = await runFakeSession({ argv: ['-m', 'inject-tcp', '--deployment', 'tp-shared', '--local-cluster', '--run', 'true'] });
      expect(run.podEnv).to.deep.equal({ TELEPRESENCE_NAMESERVER: '8.8.8.8' }); // offered; the existing operation does not use it
      expect(run.stderr).to.contain('T: Local cluster (--local-cluster): the pod of the existing Deployment tp-shared is not changed, so it resolves names outside the cluster as its spec says; set TELEPRESENCE_NAMESERVER=8.8.8.8 in its container to keep them off this workstation\n');
    });
  });

  it('--proxy-via: one relay per workload after the tunnel, handed to the method, stopped before the tunnel closes', async () => {
    const argv = ['-m', 'vpn-tcp', '--proxy-via', '10.130.0.0/16=client-app', '--proxy-via', '127.0.0.0/8=client-app', '--proxy-via', '10.132.0.0/16=other', '--vnat', '10.0.0.0/24', '--run', 'true'];
    const run = await runFakeSession({ argv, routesSubnets: true });
    expect(run.error).to.equal(null);
    expect(run.events).to.deep.equal([
      'openCluster', 'check', 'preflight', 'apply', 'connect', 'podinfo', 'relay client-app', 'relay other', 'mount', 'prepare',
      'method relays client-app other', 'startUserProcess', 'user env FROM_POD=yes',
      'undo method', 'undo mount', 'undo relay other', 'undo relay client-app', 'undo connection', 'undo proxy', 'undo preflight',
    ]);
    expect(run.stderr).to.contain(
      'T: --proxy-via: connections to 10.130.0.0/16, 127.0.0.0/8 leave from pod client-app-pod (Deployment client-app) through an ephemeral relay container\n' +
      'T: --proxy-via: connections to 10.132.0.0/16 leave from pod other-pod (Deployment other) through an ephemeral relay container\n');
    expect(readdirSync(run.journalDir)).to.deep.equal([]);
  });

  it('--proxy-via: a relay the cluster refuses ends the session with its line, after the relays before it are stopped', async () => {
    const message = '--proxy-via: the cluster refuses to add an ephemeral container to pod other-pod in namespace ns (pods/ephemeralcontainers patch)';
    const argv = ['-m', 'vpn-tcp', '--proxy-via', '10.130.0.0/16=client-app', '--proxy-via', '10.132.0.0/16=other', '--run', 'true'];
    const run = await runFakeSession({ argv, routesSubnets: true, relayFailure: { workload: 'other', message } });
    expect(run.error).to.equal(message);
    expect(run.events).to.deep.equal([
      'openCluster', 'check', 'preflight', 'apply', 'connect', 'podinfo', 'relay client-app', 'relay other',
      'undo relay client-app', 'undo connection', 'undo proxy', 'undo preflight',
    ]);
    expect(readdirSync(run.journalDir)).to.deep.equal([]);
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
