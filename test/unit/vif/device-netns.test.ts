// The VIF device inside another network namespace, with a fake runner: which `ip` command line each
// kind of namespace path gets, configureDevice's calls and undo through it, and a failure's text.
import { expect } from 'chai';
import { HostError } from '../../../src/errors.js';
import { UndoStack } from '../../../src/session/undo.js';
import { configureDevice, netnsIpCommand, netnsIpRunner } from '../../../src/vif/device.js';
import { installFakeRunner, type FakeRunner } from '../host/fake-runner.js';

describe('VIF device in a network namespace', () => {
  let fake: FakeRunner | null = null;
  afterEach(() => fake?.restore());

  const cases: [string, string, string[]][] = [
    ['a named namespace uses ip -n', '/run/netns/tp-side', ['ip', '-n', 'tp-side', 'link', 'set', 'dev', 'tp0', 'up']],
    ["a container's namespace uses nsenter", '/proc/4242/ns/net', ['nsenter', '--net=/proc/4242/ns/net', 'ip', 'link', 'set', 'dev', 'tp0', 'up']],
    ['a bind mount elsewhere uses nsenter', '/var/run/docker/netns/1a2b', ['nsenter', '--net=/var/run/docker/netns/1a2b', 'ip', 'link', 'set', 'dev', 'tp0', 'up']],
    ['a file below /run/netns/NAME/ is no named namespace', '/run/netns/a/b', ['nsenter', '--net=/run/netns/a/b', 'ip', 'link', 'set', 'dev', 'tp0', 'up']],
  ];
  for (const [what, nsPath, expected] of cases) {
    it(what, () => {
      const cmd = netnsIpCommand(nsPath, ['link', 'set', 'dev', 'tp0', 'up']);
      expect([cmd.file, ...cmd.args]).to.deep.equal(expected);
    });
  }

  it('configureDevice through netnsIpRunner: every call and undo inside the namespace', async () => {
    fake = installFakeRunner();
    const undo = new UndoStack();
    await configureDevice({ name: 'tp0', address: '198.18.0.1/16', routes: ['10.130.0.0/16'] }, undo, netnsIpRunner('/proc/4242/ns/net'));
    expect(fake.calls.splice(0)).to.deep.equal([
      'nsenter --net=/proc/4242/ns/net ip addr add 198.18.0.1/16 dev tp0',
      'nsenter --net=/proc/4242/ns/net ip link set dev tp0 up',
      'nsenter --net=/proc/4242/ns/net ip route add 10.130.0.0/16 dev tp0',
    ]);
    expect(await undo.unwind()).to.deep.equal([]);
    expect(fake.calls).to.deep.equal([
      'nsenter --net=/proc/4242/ns/net ip route del 10.130.0.0/16 dev tp0',
      'nsenter --net=/proc/4242/ns/net ip link set dev tp0 down',
      'nsenter --net=/proc/4242/ns/net ip addr del 198.18.0.1/16 dev tp0',
    ]);
  });

  it('a failing ip inside the namespace is a HostError naming the whole command line', async () => {
    fake = installFakeRunner({ exitCode: 1, stderr: 'Cannot open network namespace "tp-gone": No such file or directory\n' });
    const err = (await netnsIpRunner('/run/netns/tp-gone')(['link', 'set', 'dev', 'tp0', 'up']).catch((e: unknown) => e)) as HostError;
    expect(err).to.be.instanceOf(HostError);
    expect(err.message).to.equal(`'ip -n tp-gone link set dev tp0 up' failed: Cannot open network namespace "tp-gone": No such file or directory`);
  });
});
