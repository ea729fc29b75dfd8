// kubectl port-forward through the host runner (a fake one): the port it reports, the pid the
// session journals, an exit before forwarding, a lost forward, and a kubectl that is not installed.
import { expect } from 'chai';
import { ClusterError, HostError } from '../../../src/errors.js';
import { setHostCommandRunner } from '../../../src/host/command.js';
import { PortForward } from '../../../src/tunnel/port-forward.js';
import { installFakeRunner, type FakeChild, type FakeRunner } from '../host/fake-runner.js';

const OPTS = { clusterArgs: ['--context', 'kind'], target: 'pod/tp-1', podPort: 8022, timeoutMs: 2000 };

const tick = () => new Promise((r) => setImmediate(r));

describe('PortForward over the host runner', () => {
  let fake: FakeRunner | null = null;
  afterEach(() => fake?.restore());

  /** Starts a port-forward whose fake kubectl says it forwards from `port`. */
  async function forwarding(port: number): Promise<{ pf: PortForward; child: FakeChild }> {
    fake = installFakeRunner();
    const started = PortForward.start(OPTS);
    await tick();
    const child = fake.children[0];
    child.stdout.write(`Forwarding from 127.0.0.1:${port} -> 8022\n`);
    return { pf: await started, child };
  }

  it('starts kubectl, reports the port and exposes the pid', async () => {
    const { pf, child } = await forwarding(40123);
    expect(fake!.calls).to.deep.equal(['kubectl --context kind port-forward --address 127.0.0.1 pod/tp-1 :8022']);
    expect([pf.workstationPort, pf.pid]).to.deep.equal([40123, child.pid]);
    const exits: string[] = [];
    pf.on('exit', (stderr: string) => exits.push(stderr));
    child.stderr.write('error: lost connection to pod\n');
    await tick();
    child.exit({ exitCode: 1, signal: null });
    await tick();
    expect(exits).to.deep.equal(['error: lost connection to pod']);
  });

  it('stop(): SIGTERM, and no exit event', async () => {
    const { pf, child } = await forwarding(40124);
    let exited = false;
    pf.on('exit', () => (exited = true));
    pf.stop();
    child.exit({ exitCode: null, signal: 'SIGTERM' });
    await tick();
    expect([child.kills, exited]).to.deep.equal([['SIGTERM'], false]);
  });

  it('kubectl exiting before it forwards: a ClusterError with its stderr', async () => {
    fake = installFakeRunner();
    const started = PortForward.start(OPTS);
    await tick();
    const child = fake.children[0];
    child.stderr.write('error: pods "tp-1" not found\n');
    await tick();
    child.exit({ exitCode: 1, signal: null });
    const err = await started.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as Error).message).to.equal('kubectl port-forward pod/tp-1 failed: error: pods "tp-1" not found');
  });

  it('kubectl not installed: the runner\'s HostError', async () => {
    const restore = setHostCommandRunner({
      run: () => Promise.reject(new Error('not used')),
      start: (file) => Promise.reject(new HostError(`${file}: command not found`, { value: file, hint: 'install kubectl' })),
    });
    try {
      const err = await PortForward.start(OPTS).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(HostError);
      expect((err as Error).message).to.equal('kubectl: command not found; install kubectl');
    } finally {
      restore();
    }
  });
});
