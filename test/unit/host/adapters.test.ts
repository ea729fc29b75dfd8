// The adapters over the host command runner, with a fake runner: the exact command lines of the
// route table reader, the VIF's `ip` calls and the systemd-resolved link, and their failure texts.
import { expect } from 'chai';
import { HostError } from '../../../src/errors.js';
import { LinuxRouteTable } from '../../../src/host/route-table-linux.js';
import { configureResolvedLink } from '../../../src/host/resolver-resolved.js';
import { configureDevice, runIp } from '../../../src/vif/device.js';
import { UndoStack } from '../../../src/session/undo.js';
import { installFakeRunner, type FakeRunner } from './fake-runner.js';
import { STAGED_V4, STAGED_V6 } from './ip-route-samples.js';

const ADDR = '[{"ifname":"d0","flags":["UP","LOWER_UP"],"operstate":"UP","addr_info":[{"family":"inet","local":"10.9.0.1","prefixlen":16},{"family":"inet6","local":"fd12::1","prefixlen":64}]}]';

describe('host adapters over the command runner', () => {
  let fake: FakeRunner | null = null;
  afterEach(() => fake?.restore());

  it('route table: asks ip for each family and the links, and parses what it prints', async () => {
    fake = installFakeRunner((_file, args) => ({
      stdout: args[0] === '-4' ? STAGED_V4 : args[0] === '-6' ? STAGED_V6 : ADDR,
    }));
    const routes = await new LinuxRouteTable().read();
    expect(fake.calls).to.have.members(['ip -4 -j route show table all', 'ip -6 -j route show table all', 'ip -j addr show']);
    expect(routes.find((r) => r.dst === '10.9.0.0/16')).to.include({ dev: 'd0', table: 'main', src: '10.9.0.1' });
    expect(routes.find((r) => r.dst === 'fd12::/64')).to.include({ dev: 'd0', table: 'main' });
  });

  it('route table: ip -6 printing nothing (no IPv6) is no routes, not an error', async () => {
    fake = installFakeRunner((_file, args) => ({ stdout: args[0] === '-4' ? STAGED_V4 : args[0] === '-6' ? '' : ADDR }));
    const routes = await new LinuxRouteTable().read();
    expect(routes.filter((r) => r.dst.includes(':'))).to.deep.equal([]);
    expect(routes.find((r) => r.dst === '10.9.0.0/16')).to.include({ dev: 'd0' });
  });

  it('route table: a failing ip is a HostError naming the command line and its stderr', async () => {
    fake = installFakeRunner((_file, args) => (args[0] === '-6' ? { exitCode: 255, stderr: 'Error: something broke.\n' } : { stdout: '[]' }));
    const err = (await new LinuxRouteTable().read().catch((e: unknown) => e)) as HostError;
    expect(err).to.be.instanceOf(HostError);
    expect([err.message, err.value]).to.deep.equal([
      "could not read the route table: 'ip -6 -j route show table all' failed: Error: something broke.",
      'ip -6 -j route show table all',
    ]);
  });

  it('route table: output that is not JSON is named', async () => {
    fake = installFakeRunner({ stdout: 'default via 10.0.0.1' });
    const err = (await new LinuxRouteTable().read().catch((e: unknown) => e)) as HostError;
    expect(err.message).to.match(/^could not read the route table: 'ip (-[46] -j route show table all|-j addr show)' printed /);
    expect(err.category).to.equal('host');
  });

  it('route table: ip not installed names the package', async () => {
    const err = (await new LinuxRouteTable('/nonexistent/ip').read().catch((e: unknown) => e)) as HostError;
    expect(err.message).to.match(
      /^could not read the route table: '\/nonexistent\/ip (-[46] -j route show table all|-j addr show)' failed: \/nonexistent\/ip: command not found; install the Debian package iproute2 \(apt-get install iproute2\)$/,
    );
    expect(err.category).to.equal('host');
  });

  it('VIF device: the ip command lines through the runner, and their undo in reverse', async () => {
    fake = installFakeRunner();
    const undo = new UndoStack();
    await configureDevice({ name: 'tp0', address: '198.18.0.1/16', routes: ['10.130.0.0/16'] }, undo);
    expect(fake.calls.splice(0)).to.deep.equal([
      'ip addr add 198.18.0.1/16 dev tp0',
      'ip link set dev tp0 up',
      'ip route add 10.130.0.0/16 dev tp0',
    ]);
    expect(await undo.unwind()).to.deep.equal([]);
    expect(fake.calls).to.deep.equal(['ip route del 10.130.0.0/16 dev tp0', 'ip link set dev tp0 down', 'ip addr del 198.18.0.1/16 dev tp0']);
  });

  it('VIF device: a failing ip is a HostError with its stderr', async () => {
    fake = installFakeRunner({ exitCode: 2, stderr: 'RTNETLINK answers: File exists\n' });
    const err = (await runIp(['route', 'add', '10.130.0.0/16', 'dev', 'tp0']).catch((e: unknown) => e)) as HostError;
    expect(err).to.be.instanceOf(HostError);
    expect(err.message).to.equal("'ip route add 10.130.0.0/16 dev tp0' failed: RTNETLINK answers: File exists");
  });

  // Moved from test/unit/dns/resolver-files.test.ts: the same calls and text, through the runner.
  it('systemd-resolved: a failing call reverts the link; undo reverts and flushes', async () => {
    fake = installFakeRunner((_file, args) => (args[0] === 'default-route' ? { exitCode: 1, stderr: 'Unknown command' } : {}));
    const calls = fake.calls;
    const settings = { link: 'tel0', address: '10.240.0.53', port: 53, routingDomains: ['cluster.local'], searchDomains: [] };
    const err = await configureResolvedLink(settings).catch((e: Error) => e);
    expect((err as Error).message).to.equal("'resolvectl default-route tel0 false' failed: Unknown command");
    expect(calls).to.deep.equal([
      'resolvectl dns tel0 10.240.0.53:53',
      'resolvectl domain tel0 ~cluster.local',
      'resolvectl default-route tel0 false',
      'resolvectl revert tel0',
      'resolvectl flush-caches',
    ]);
    fake.restore();
    fake = installFakeRunner();
    const undo = await configureResolvedLink(settings);
    fake.calls.length = 0;
    await undo();
    expect(fake.calls).to.deep.equal(['resolvectl revert tel0', 'resolvectl flush-caches']);
  });
});
