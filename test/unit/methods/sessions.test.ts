// Several vpn-tcp/teleproxy sessions on one workstation: the host slots (each its own TUN subnet, DNS
// address, resolver backup and lock file; slot 0 the single-session names), taking and releasing
// them, the plan of a later session beside an earlier one's TUN (VNAT'd, the virtual subnet moved
// off a neighbour's, the progress lines), and which namespace's names another session answers.
import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { neighbourLines, virtualSubnetBeside, type NeighbourTun } from '../../../methods/cluster-routing.js';
import { hostLockRepairer, MAX_SLOTS, otherLiveSessions, readHolder, slotResources, takeHostSlot } from '../../../methods/host-lock.js';
import { NO_JOURNAL } from '../../../src/changes.js';
import { answeredElsewhere, namespaceOfName, TYPE, WorkstationDns } from '../../../src/dns/index.js';
import { DEFAULT_EXCLUDE_SUFFIXES } from '../../../src/engine/index.js';
import { a, ok, ScriptedLookup } from '../dns/helpers.js';
import { overlaps, planRoutes, tunRoutes } from '../../../src/engine/index.js';
import { input, route, routing } from '../engine/helpers.js';

async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

describe('methods: host slots of vpn-tcp sessions', () => {
  it('slot 0 keeps the single-session names', () => {
    expect(slotResources(0)).to.deep.equal({
      index: 0, file: '/run/telepresence/vpn-tcp.pid', vifAddress: '198.18.0.1/16', dnsAddress: '127.0.0.153',
      resolverState: '/var/lib/telepresence/resolver-backup.json',
    });
    expect(slotResources(2)).to.deep.equal({
      index: 2, file: '/run/telepresence/vpn-tcp.2.pid', vifAddress: '198.19.16.1/20', dnsAddress: '127.0.0.155',
      resolverState: '/var/lib/telepresence/resolver-backup.2.json',
    });
  });

  it(`no two of the ${MAX_SLOTS} slots share a TUN subnet, a DNS address, a backup or a lock file; all inside 198.18.0.0/15`, () => {
    const all = Array.from({ length: MAX_SLOTS }, (_, i) => slotResources(i));
    const subnet = (a: string) => a.replace(/\.1\//, '.0/');
    for (const [i, s] of all.entries()) {
      expect(overlaps('198.18.0.0/15', subnet(s.vifAddress)), s.vifAddress).to.equal(true);
      for (const o of all.slice(i + 1)) {
        expect(overlaps(subnet(s.vifAddress), subnet(o.vifAddress)), `${s.vifAddress} ${o.vifAddress}`).to.equal(false);
        expect([s.dnsAddress, s.file, s.resolverState]).to.not.have.members([o.dnsAddress]).and.not.include(o.file).and.not.include(o.resolverState);
      }
    }
    expect(() => slotResources(MAX_SLOTS)).to.throw(RangeError, `slot ${MAX_SLOTS} is not in 0..${MAX_SLOTS - 1}`);
  });

  describe('taking slots', () => {
    let dir: string;
    const undos: (() => unknown)[] = [];
    const undo = { push: (_: string, fn: () => unknown) => undos.push(fn) };
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'tp-slots-'));
      undos.length = 0;
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('the lowest free slot; one held by a live process is skipped, one of a dead holder is taken over; released by undo', async () => {
      writeFileSync(path.join(dir, 'vpn-tcp.pid'), `${process.ppid}\n`); // a live holder of an earlier release
      writeFileSync(path.join(dir, 'vpn-tcp.1.pid'), JSON.stringify({ pid: await deadPid() }));
      const slot = takeHostSlot(NO_JOURNAL, undo, { namespace: 'ns2', context: 'c' }, dir, '/state');
      expect([slot.index, slot.file, slot.vifAddress, slot.dnsAddress, slot.resolverState])
        .to.deep.equal([1, path.join(dir, 'vpn-tcp.1.pid'), '198.19.0.1/20', '127.0.0.154', '/state/resolver-backup.1.json']);
      slot.tell({ tun: 'tp1', routes: ['246.246.0.0/16'] });
      expect(readHolder(slot.file)).to.include({ pid: process.pid, slot: 1, namespace: 'ns2', context: 'c', tun: 'tp1' });
      // Seen from the earlier session (the live parent), this one is its neighbour.
      expect(otherLiveSessions(dir, process.ppid).map((h) => [h.pid, h.namespace, h.tun])).to.deep.equal([[process.pid, 'ns2', 'tp1']]);
      expect(otherLiveSessions(dir).map((h) => h.pid)).to.deep.equal([process.ppid]);
      for (const fn of undos.reverse()) await fn();
      expect(existsSync(slot.file)).to.equal(false);
      expect(readFileSync(path.join(dir, 'vpn-tcp.pid'), 'utf8')).to.equal(`${process.ppid}\n`);
    });

    it('all slots held by live sessions: refused in one line naming them', () => {
      for (let i = 0; i < MAX_SLOTS; i++) writeFileSync(slotResources(i, dir).file, `${process.ppid}\n`);
      expect(() => takeHostSlot(NO_JOURNAL, undo, {}, dir)).to.throw(
        `${MAX_SLOTS} vpn-tcp or teleproxy sessions (pids ${Array(MAX_SLOTS).fill(process.ppid).join(', ')}) are running on this workstation: end one first, or use --method inject-tcp for this one`,
      );
    });

    it('the repairer frees the file of a dead session (a bare pid of an earlier release, or JSON), never a live one\'s', async () => {
      const dead = await deadPid();
      const legacy = path.join(dir, 'vpn-tcp.pid');
      writeFileSync(legacy, `${dead}\n`);
      const info = { sessionId: 's', pid: dead, started: '' };
      expect(await hostLockRepairer.repair({ file: legacy }, info)).to.deep.equal([`released the vpn-tcp lock ${legacy} of an earlier session (pid ${dead})`]);
      expect(existsSync(legacy)).to.equal(false);
      const json = path.join(dir, 'vpn-tcp.3.pid');
      writeFileSync(json, JSON.stringify({ pid: process.ppid, slot: 3 }));
      expect(await hostLockRepairer.repair({ file: json }, info)).to.deep.equal([]);
      expect(existsSync(json)).to.equal(true);
    });
  });
});

describe('methods: a plan beside other sessions', () => {
  const subnets = { serviceSubnets: ['10.130.0.0/16'], podSubnets: ['10.132.0.0/16'] };
  const first: NeighbourTun = { tun: 'tp0', pid: 41, namespace: 'ns1' };
  const second: NeighbourTun = { tun: 'tp1', pid: 42, namespace: 'ns2' };
  const guards = [route('10.130.0.0/16', null, { type: 'unreachable', metric: 9999 }), route('246.246.0.0/16', null, { type: 'unreachable', metric: 9999 })];
  const plan = (routes: ReturnType<typeof route>[], neighbours: NeighbourTun[]) => {
    const virtualSubnet = virtualSubnetBeside('246.246.0.0/16', routes, neighbours);
    const p = planRoutes(input({ ...subnets, routes, routing: routing({ virtualSubnet }), tunDevice: undefined }));
    return { p, lines: neighbourLines(p, '246.246.0.0/16', routes, neighbours) };
  };

  it('the first session routes the subnets; the guard routes are no conflict', () => {
    const { p, lines } = plan(guards, []);
    expect([p.errors, tunRoutes(p), lines]).to.deep.equal([[], ['10.130.0.0/16', '10.132.0.0/16'], []]);
  });

  it("a second one VNATs the subnets the first one's TUN routes, and says whose TUN it is", () => {
    const routes = [...guards, route('10.130.0.0/16', 'tp0'), route('10.132.0.0/16', 'tp0')];
    const { p, lines } = plan(routes, [first]);
    expect(p.errors).to.deep.equal([]);
    expect(tunRoutes(p)).to.deep.equal(['246.246.0.0/16']);
    expect(lines).to.deep.equal([
      "10.130.0.0/16 is routed by another telepresence session's TUN tp0 (pid 41, namespace ns1): VNAT, this session reaches it through virtual IPs in 246.246.0.0/16",
      "10.132.0.0/16 is routed by another telepresence session's TUN tp0 (pid 41, namespace ns1): VNAT, this session reaches it through virtual IPs in 246.246.0.0/16",
    ]);
  });

  it("a third one (the same subnets again, e.g. another cluster) moves its virtual subnet off the second's", () => {
    const routes = [...guards, route('10.130.0.0/16', 'tp0'), route('10.132.0.0/16', 'tp0'), route('246.246.0.0/16', 'tp1')];
    const { p, lines } = plan(routes, [first, second]);
    expect(p.errors).to.deep.equal([]);
    expect(tunRoutes(p)).to.deep.equal(['246.247.0.0/16']);
    expect(lines.at(-1)).to.equal("the virtual subnet 246.246.0.0/16 is routed by another telepresence session's TUN tp1 (pid 42, namespace ns2): this session uses 246.247.0.0/16");
  });

  it('a route of something else (a VPN) in the virtual subnet is left to the engine to report', () => {
    const routes = [route('10.130.0.0/16', 'tp0'), route('246.246.0.0/16', 'wg0')];
    expect(virtualSubnetBeside('246.246.0.0/16', routes, [first])).to.equal('246.246.0.0/16');
    expect(plan(routes, [first]).p.errors).to.deep.equal(['subnet 246.246.0.0/16 overlaps with existing route "246.246.0.0/16 via 246.246.0.0 dev wg0, gw <nil>"']);
  });
});

describe('dns: names another session on this workstation answers', () => {
  const cases: [string, string | null][] = [
    ['echo.ns1', 'ns1'], ['echo.ns1.', 'ns1'], ['Echo.NS1.svc', 'ns1'], ['echo.ns1.svc.cluster.local', 'ns1'],
    ['_http._tcp.echo.ns1.svc.cluster.local', 'ns1'], ['10-132-0-5.ns1.pod.cluster.local', 'ns1'],
    ['echo', null], ['cluster.local', null], ['svc.cluster.local', null], ['a.b.ns1', 'ns1'],
  ];
  for (const [name, ns] of cases) it(`${name}: namespace ${ns}`, () => expect(namespaceOfName(name, 'cluster.local')).to.equal(ns));

  it("another live session's namespace is its own, unless it is ours too", () => {
    let neighbours = [{ pid: 41, namespace: 'ns1' }, { pid: 43, namespace: 'shared' }];
    const rule = answeredElsewhere(['ns2', 'shared'], () => neighbours, 'cluster.local');
    expect(['echo.ns1', 'echo.ns1.svc.cluster.local', 'echo.ns2', 'echo.shared', 'echo', 'echo.ns3'].map(rule)).to.deep.equal([
      'namespace ns1 of telepresence pid 41', 'namespace ns1 of telepresence pid 41', null, null, null, null,
    ]);
    neighbours = []; // the other session ended: its names are ours again
    expect(rule('echo.ns1')).to.equal(null);
  });
});

describe('dns: the resolver of a later session passes the earlier one\'s namespace on', () => {
  it('echo.ns1 goes to the previous resolver (the earlier session), echo.ns2 and echo to the cluster; the log says whose', async () => {
    const cluster = new ScriptedLookup({ 'echo.ns2': ok(a('echo.ns2', '10.130.0.20')), echo: ok(a('echo', '10.130.0.20')) });
    const previous = new ScriptedLookup({ 'echo.ns1': ok(a('echo.ns1', '10.130.0.10')) });
    const log: string[] = [];
    const dns = new WorkstationDns({
      policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: ['ns1', 'ns2'], searchPath: ['ns2.svc.cluster.local'] },
      clusterLookup: cluster.lookup, originalLookup: previous.lookup, log: (l) => log.push(l),
      answeredElsewhere: answeredElsewhere(['ns2'], () => [{ pid: 41, namespace: 'ns1' }], 'cluster.local'),
    });
    const addresses = async (name: string) => (await dns.resolve(name, TYPE.A)).answers.map((r) => (r as { address: string }).address);
    expect([await addresses('echo.ns1'), await addresses('echo.ns2'), await addresses('echo')]).to.deep.equal([['10.130.0.10'], ['10.130.0.20'], ['10.130.0.20']]);
    expect(previous.calls).to.deep.equal([`echo.ns1|${TYPE.A}`]);
    expect(cluster.calls).to.deep.equal([`echo.ns2|${TYPE.A}`, `echo|${TYPE.A}`]);
    expect(log[0]).to.match(/^dns: .*echo\.ns1.* \(workstation: namespace ns1 of telepresence pid 41, lookup\)$/);
  });
});
