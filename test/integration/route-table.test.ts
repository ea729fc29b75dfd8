// A staged VPN on this host: a veth pair whose peer lives in a network namespace of the test's own,
// with 10.0.0.1/8 on the host end, so the kernel adds the VPN-like route 10.0.0.0/8 dev tpvpn0.
// No packet is sent. The live table is read through src/host and planned through the real bin.
// Needs root. Everything is removed in after(), even when a step fails.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostRoute } from '../../src/engine/types.js';
import { createRouteTable } from '../../src/host/route-table.js';
import { runBin } from '../unit/cli/run-cli.js';

const NETNS = 'tp-route-table-test';
const HOST_END = 'tpvpn0';
const NS_END = 'tpvpn1';
// A second pair whose host end has no IPv4 address: Telepresence 2 never sees its routes.
const BARE_END = 'tpvpn2';
const BARE_NS_END = 'tpvpn3';
const ROUTE = '10.0.0.0/8 via 10.0.0.1 dev tpvpn0, gw <nil>';
const CLUSTER = ['--service-subnet', '10.130.0.0/16', '--pod-subnet', '10.132.0.0/16'];

const ip = (...args: string[]) => execa('ip', args);
const quietly = (...args: string[]) => execa('ip', args, { reject: false });
const stagedRoutes = (routes: HostRoute[]) => routes.filter((r) => r.dev === HOST_END && r.dst === '10.0.0.0/8');

async function removeStagedVpn(): Promise<void> {
  // Deleting one end of a veth pair deletes both; the namespace goes last.
  await quietly('link', 'del', HOST_END);
  await quietly('link', 'del', BARE_END);
  await quietly('netns', 'del', NETNS);
}

describe('route table of this host with a staged VPN (root)', function () {
  this.timeout(60000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-route-it-'));
    await removeStagedVpn(); // leftovers of an interrupted run
    await ip('netns', 'add', NETNS);
    await ip('link', 'add', HOST_END, 'type', 'veth', 'peer', 'name', NS_END);
    await ip('link', 'set', NS_END, 'netns', NETNS);
    await ip('addr', 'add', '10.0.0.1/8', 'dev', HOST_END);
    await ip('link', 'set', HOST_END, 'up');
    await ip('-n', NETNS, 'link', 'set', NS_END, 'up');
    await ip('link', 'add', BARE_END, 'type', 'veth', 'peer', 'name', BARE_NS_END);
    await ip('link', 'set', BARE_NS_END, 'netns', NETNS);
    await ip('link', 'set', BARE_END, 'up');
    await ip('-n', NETNS, 'link', 'set', BARE_NS_END, 'up');
    await ip('route', 'add', '198.18.140.0/24', 'dev', BARE_END);
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await removeStagedVpn();
    const netns = await execa('ip', ['netns', 'list']);
    expect(netns.stdout).to.not.include(NETNS);
    expect(stagedRoutes(await createRouteTable().read())).to.deep.equal([]);
    const left = await execa('ip', ['route', 'show', 'table', 'all']);
    expect(left.stdout).to.not.match(/tpvpn[02]/);
  });

  it('reads the VPN route 10.0.0.0/8 dev tpvpn0 from the live table', async () => {
    const routes = await createRouteTable().read();
    expect(stagedRoutes(routes)).to.deep.equal([
      { dst: '10.0.0.0/8', type: 'unicast', dev: HOST_END, gateway: null, src: '10.0.0.1', table: 'main', metric: null, isDefault: false },
    ]);
    // The host end's own address is in the local table.
    expect(routes.find((r) => r.dst === '10.0.0.1/32' && r.table === 'local')).to.include({ type: 'local', dev: HOST_END });
  });

  it('leaves out the route of a device without an IPv4 address, as Telepresence 2 does', async () => {
    const kernel = await execa('ip', ['-j', 'route', 'show', '198.18.140.0/24']);
    expect(JSON.parse(kernel.stdout)).to.deep.equal([{ dst: '198.18.140.0/24', dev: BARE_END, scope: 'link', flags: [] }]);
    const routes = await createRouteTable().read();
    expect(routes.filter((r) => r.dev === BARE_END && !r.dst.includes(':'))).to.deep.equal([]);
    const result = await runBin(['plan', '--service-subnet', '198.18.140.0/24', '--json']);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout).subnets).to.deep.equal([
      { cidr: '198.18.140.0/24', source: 'service', action: 'route', conflictsWith: null, via: null },
    ]);
  });

  it('plans VNAT for both cluster subnets against the live table', async () => {
    const result = await runBin(['plan', ...CLUSTER, '--json']);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    const plan = JSON.parse(result.stdout);
    expect(plan.subnets).to.deep.equal([
      { cidr: '10.130.0.0/16', source: 'service', action: 'vnat', conflictsWith: ROUTE, via: 'local' },
      { cidr: '10.132.0.0/16', source: 'pods', action: 'vnat', conflictsWith: ROUTE, via: 'local' },
    ]);
    expect(plan.errors).to.deep.equal([]);
  });

  it('names tpvpn0 in the conflict error when auto-resolution is off', async () => {
    const config = join(dir, 'config.yml');
    writeFileSync(config, 'routing:\n  autoResolveConflicts: false\n');
    const result = await runBin(['plan', ...CLUSTER, '--json', '--config', config]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(
      [
        `telepresence: error: subnet 10.130.0.0/16 overlaps with existing route "${ROUTE}"`,
        `telepresence: error: subnet 10.132.0.0/16 overlaps with existing route "${ROUTE}"`,
      ].join('\n'),
    );
  });
});
