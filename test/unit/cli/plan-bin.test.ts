// `telepresence plan` end to end through the real bin: the documentation's VPN example
// (a VPN route 10.0.0.0/8 on its own device; service 10.130.0.0/16, pods 10.132.0.0/16).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './run-cli.js';

const WIFI = [
  { dst: 'default', gateway: '192.168.1.1', dev: 'wlan0', protocol: 'dhcp', metric: 600, flags: [] },
  { dst: '192.168.1.0/24', dev: 'wlan0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.1.20', metric: 600, flags: [] },
  { type: 'local', dst: '192.168.1.20', dev: 'wlan0', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: '192.168.1.20', flags: [] },
];
const VPN_8 = [...WIFI, { dst: '10.0.0.0/8', gateway: '10.0.0.1', dev: 'utun4', flags: [] }];
const VPN_9_SPLIT_DEFAULT = [
  ...WIFI,
  { dst: '0.0.0.0/1', gateway: '10.0.0.1', dev: 'utun4', flags: [] },
  { dst: '128.0.0.0/1', gateway: '10.0.0.1', dev: 'utun4', flags: [] },
  { dst: '10.0.0.0/9', gateway: '10.0.0.1', dev: 'utun4', flags: [] },
];
const ROUTE = '10.0.0.0/8 via 10.0.0.0 dev utun4, gw 10.0.0.1';
const CLUSTER = ['--service-subnet', '10.130.0.0/16', '--pod-subnet', '10.132.0.0/16'];

const subnet = (cidr: string, source: string, action: string, conflictsWith: string | null, via: string | null) => ({
  cidr,
  source,
  action,
  conflictsWith,
  via,
});

describe('telepresence plan (bin)', function () {
  this.timeout(20000);
  let dir: string;
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const table = (routes: object[]) => file(`routes-${Math.random()}.json`, JSON.stringify(routes));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-plan-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('VNATs both subnets by default when a VPN routes 10.0.0.0/8 (exit 0)', async () => {
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--json']);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout)).to.deep.equal({
      virtualSubnet: '246.246.0.0/16',
      subnets: [subnet('10.130.0.0/16', 'service', 'vnat', ROUTE, 'local'), subnet('10.132.0.0/16', 'pods', 'vnat', ROUTE, 'local')],
      errors: [],
      neverProxy: [],
      translations: [
        { cidr: '10.130.0.0/16', via: 'local' },
        { cidr: '10.132.0.0/16', via: 'local' },
      ],
    });
  });

  it('fails with the exact conflict texts when autoResolveConflicts is false (exit 1)', async () => {
    const config = file('noauto.yml', 'routing: {autoResolveConflicts: false}\n');
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--json', '--config', config]);
    expect(result.code).to.equal(1);
    const errors = [
      `subnet 10.130.0.0/16 overlaps with existing route "${ROUTE}"`,
      `subnet 10.132.0.0/16 overlaps with existing route "${ROUTE}"`,
    ];
    expect(result.stderr).to.equal(errors.map((e) => `telepresence: error: ${e}`).join('\n'));
    const plan = JSON.parse(result.stdout);
    expect(plan.subnets).to.deep.equal([
      subnet('10.130.0.0/16', 'service', 'route', ROUTE, null),
      subnet('10.132.0.0/16', 'pods', 'route', ROUTE, null),
    ]);
    expect(plan.errors).to.deep.equal(errors);
  });

  it('reads the config from TELEPRESENCE_CONFIG too', async () => {
    const config = file('noauto-env.yml', 'routing:\n  autoResolveConflicts: false\n');
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--json'], { TELEPRESENCE_CONFIG: config });
    expect(result.code).to.equal(1);
  });

  it('routes both over the VPN with allowConflictingSubnets: [10.128.0.0/9] (exit 0)', async () => {
    const config = file('allow.yml', 'routing:\n  allowConflictingSubnets: [10.128.0.0/9]\n');
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--json', '--config', config]);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout).subnets).to.deep.equal([
      subnet('10.130.0.0/16', 'service', 'allowed-conflict', ROUTE, null),
      subnet('10.132.0.0/16', 'pods', 'allowed-conflict', ROUTE, null),
    ]);
  });

  it('adds --allow-conflicting-subnets to the config list', async () => {
    const config = file('allow-other.yml', 'routing:\n  allowConflictingSubnets: 10.132.0.0/16\n  autoResolveConflicts: false\n');
    const result = await runBin([
      'plan', '--route-table', table(VPN_8), ...CLUSTER, '--json', '--config', config,
      '--allow-conflicting-subnets', '10.130.0.0/16',
    ]);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout).subnets.map((s: { action: string }) => s.action)).to.deep.equal([
      'allowed-conflict',
      'allowed-conflict',
    ]);
  });

  it('sees no conflict with a VPN of 10.0.0.0/9 plus the split default 0.0.0.0/1 and 128.0.0.0/1', async () => {
    const result = await runBin(['plan', '--route-table', table(VPN_9_SPLIT_DEFAULT), ...CLUSTER, '--json']);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout)).to.deep.equal({
      virtualSubnet: '246.246.0.0/16',
      subnets: [subnet('10.130.0.0/16', 'service', 'route', null, null), subnet('10.132.0.0/16', 'pods', 'route', null, null)],
      errors: [],
      neverProxy: [],
      translations: [],
    });
  });

  it('leaves the rest as an error once the user chose VNAT explicitly', async () => {
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--vnat', 'service', '--json']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(`telepresence: error: subnet 10.132.0.0/16 overlaps with existing route "${ROUTE}"`);
    expect(JSON.parse(result.stdout).subnets).to.deep.equal([
      subnet('10.130.0.0/16', 'service', 'vnat', null, 'local'),
      subnet('10.132.0.0/16', 'pods', 'route', ROUTE, null),
    ]);
  });

  it('prints a table for people', async () => {
    const config = file('vs.yml', 'routing: {virtualSubnet: 100.64.0.0/24}\n');
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--also-proxy', '192.168.50.7', '--config', config]);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(result.stdout).to.equal(
      [
        'virtual subnet: 100.64.0.0/24',
        '',
        'SUBNET           SOURCE   ACTION  VIA    CONFLICTS WITH',
        `10.130.0.0/16    service  vnat    local  ${ROUTE}`,
        `10.132.0.0/16    pods     vnat    local  ${ROUTE}`,
        '192.168.50.7/32  also     route   -      -',
        '',
        'The plan can be applied.',
      ].join('\n'),
    );
  });

  const mistakes: [string, string[], string][] = [
    ['a hostname in --also-proxy', ['--also-proxy', 'db.example.com'], "argument --also-proxy: 'db.example.com': a hostname is resolved inside the cluster, which plan does not reach; give its IP address or CIDR instead"],
    ['a bad --service-subnet', ['--service-subnet', '10.130.0.0/160'], 'argument --service-subnet: invalid CIDR "10.130.0.0/160": the prefix length 160 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
    ['an overlapping --vnat', ['--vnat', '10.130.0.0/16', '--vnat', '10.130.1.0/24'], 'CIDRs 10.130.0.0/16 and 10.130.1.0/24 are overlapping'],
    ['a --proxy-via without a workload', ['--proxy-via', '10.0.0.0/8'], '--proxy-via "10.0.0.0/8" is not in the format CIDR=WORKLOAD; use e.g. 10.130.0.0/16=echo or all=echo'],
    ['a session flag', ['--swap-deployment', 'x'], "unrecognized arguments: --swap-deployment x; see 'telepresence plan --help'"],
  ];
  for (const [what, argv, message] of mistakes) {
    it(`exits 2 on ${what}`, async () => {
      const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, ...argv]);
      expect(result).to.deep.equal({ code: 2, stdout: '', stderr: `telepresence: error: ${message}` });
    });
  }

  it('asks the cluster without any subnet given, and exits 2 with a missing or bad route table', async () => {
    const none = await runBin(['plan', '--route-table', table(VPN_8)], { HOME: dir, KUBECONFIG: '' });
    expect(none.code).to.equal(255);
    expect(none.stderr).to.match(/^telepresence: error: no Kubernetes context is selected: /);
    const missing = join(dir, 'missing.json');
    const gone = await runBin(['plan', '--route-table', missing, ...CLUSTER]);
    expect(gone.stderr).to.equal(`telepresence: error: argument --route-table: '${missing}': no such file`);
    const text = file('text.json', '10.0.0.0/8 dev utun4\n');
    const bad = await runBin(['plan', '--route-table', text, ...CLUSTER]);
    expect([bad.code, bad.stderr]).to.deep.equal([
      2,
      `telepresence: error: argument --route-table: '${text}': not what 'ip -j route show table all' prints: not JSON: Unexpected non-whitespace character after JSON at position 4`,
    ]);
  });

  it('exits 2 on a bad config file, naming the file, the key and the value', async () => {
    const config = file('bad.yml', 'routing:\n  virtualSubnet: everything\n');
    const result = await runBin(['plan', '--route-table', table(VPN_8), ...CLUSTER, '--config', config]);
    expect(result).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: `telepresence: error: config file ${config}: routing.virtualSubnet: bad value "everything": invalid CIDR "everything": it is neither an IP address nor ADDRESS/LENGTH; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64`,
    });
  });

  it('reads the live table without --route-table', async () => {
    const result = await runBin(['plan', '--service-subnet', '10.130.0.0/16', '--json']);
    expect([result.code, result.stderr]).to.deep.equal([0, '']);
    expect(JSON.parse(result.stdout).subnets[0].cidr).to.equal('10.130.0.0/16');
  });
});
