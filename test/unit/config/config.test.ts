// config.yml: defaults, Telepresence 2's shapes, precedence of --config / TELEPRESENCE_CONFIG /
// the default path, and the exact error for every kind of bad key or value.
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRoutingFlags, defaultConfig, loadConfig, parseConfigText } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

const F = '/etc/tp/config.yml';

describe('config defaults', () => {
  it('has Telepresence 2 defaults, with the virtual subnet by platform', () => {
    const linux = defaultConfig('linux');
    expect(linux.routing).to.deep.equal({
      allowConflictingSubnets: [],
      autoResolveConflicts: true,
      virtualSubnet: '246.246.0.0/16',
      alsoProxySubnets: [],
      neverProxySubnets: [],
    });
    expect(defaultConfig('darwin').routing.virtualSubnet).to.equal('246.246.0.0/16');
    expect(defaultConfig('win32').routing.virtualSubnet).to.equal('211.55.48.0/20');
    expect(linux.dns).to.deep.equal({ includeSuffixes: [], excludeSuffixes: ['.com', '.io', '.net', '.org', '.ru'], lookupTimeoutMs: 8000 });
    expect(linux.timeouts).to.deep.equal({
      clusterConnectMs: 20000,
      proxyPodReadyMs: 120000,
      sshConnectMs: 30000,
      dnsReadyMs: 35000,
      portForwardMs: 10000,
      swapLeaseMs: 30000,
      reconnectMs: 60000,
    });
  });
  it('is frozen', () => {
    const config = defaultConfig('linux');
    expect(Object.isFrozen(config.routing.allowConflictingSubnets)).to.equal(true);
  });
});

describe('parseConfigText', () => {
  it('reads every key, a single string as a list, and durations in all shapes', () => {
    const config = parseConfigText(
      F,
      [
        'routing:',
        '  allowConflictingSubnets: 10.128.0.0/9',
        '  autoResolveConflicts: false',
        '  virtualSubnet: 100.10.20.7/24',
        '  alsoProxySubnets: [192.168.7.0/24, "fd00:1::/64"]',
        '  neverProxySubnets: [10.130.5.0/24]',
        'dns:',
        '  includeSuffixes: [.corp.example]',
        '  excludeSuffixes: .com',
        '  lookupTimeout: 500ms',
        'localCluster:',
        '  detect: false',
        '  nameserver: 192.0.2.53',
        'timeouts:',
        '  clusterConnect: 1m',
        '  proxyPodReady: 1m30s',
        '  sshConnect: 4s',
        '  dnsReady: 2.5s',
        '  portForward: 7',
        '  swapLease: 12s',
        '  reconnect: 3s',
      ].join('\n'),
    );
    expect(config).to.deep.equal({
      source: F,
      routing: {
        allowConflictingSubnets: ['10.128.0.0/9'],
        autoResolveConflicts: false,
        virtualSubnet: '100.10.20.0/24',
        alsoProxySubnets: ['192.168.7.0/24', 'fd00:1::/64'],
        neverProxySubnets: ['10.130.5.0/24'],
      },
      dns: { includeSuffixes: ['.corp.example'], excludeSuffixes: ['.com'], lookupTimeoutMs: 500 },
      localCluster: { detect: false, nameserver: '192.0.2.53' },
      timeouts: {
        clusterConnectMs: 60000,
        proxyPodReadyMs: 90000,
        sshConnectMs: 4000,
        dnsReadyMs: 2500,
        portForwardMs: 7000,
        swapLeaseMs: 12000,
        reconnectMs: 3000,
      },
    });
  });

  it('keeps the defaults for an empty file, empty sections and null values', () => {
    for (const text of ['', '# nothing\n', 'routing:\n', 'routing:\n  virtualSubnet:\n']) {
      const config = parseConfigText(F, text);
      expect(config.routing).to.deep.equal(defaultConfig().routing);
      expect(config.localCluster).to.deep.equal({ detect: true, nameserver: '8.8.8.8' });
      expect(config.source).to.equal(F);
    }
  });

  const errors: [string, string][] = [
    ['routing: {virtualSubnet: 10.0.0.0/33}', 'routing.virtualSubnet: bad value "10.0.0.0/33": invalid CIDR "10.0.0.0/33": the prefix length 33 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
    ['routing: {virtualSubnet: 42}', 'routing.virtualSubnet: bad value 42: expected a CIDR such as 10.128.0.0/9'],
    ['routing: {allowConflictingSubnets: [10.0.0.0/8, bogus]}', 'routing.allowConflictingSubnets[1]: bad value "bogus": invalid CIDR "bogus": it is neither an IP address nor ADDRESS/LENGTH; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
    ['routing: {allowConflictingSubnets: {a: 1}}', 'routing.allowConflictingSubnets: bad value {"a":1}: expected a list'],
    ['routing: {alsoProxySubnets: [true]}', 'routing.alsoProxySubnets[0]: bad value true: expected a CIDR such as 10.128.0.0/9'],
    ['routing: {neverProxySubnets: 300.1.0.0/16}', 'routing.neverProxySubnets[0]: bad value "300.1.0.0/16": invalid CIDR "300.1.0.0/16": an IPv4 field is larger than 255; write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
    ['routing: {autoResolveConflicts: "no"}', 'routing.autoResolveConflicts: bad value "no": expected true or false'],
    ['routing: {autoResolveConflict: false}', 'unknown key routing.autoResolveConflict (known keys under routing: allowConflictingSubnets, autoResolveConflicts, virtualSubnet, alsoProxySubnets, neverProxySubnets)'],
    ['routing: [a]', 'routing: bad value ["a"]: expected a map with the keys allowConflictingSubnets, autoResolveConflicts, virtualSubnet, alsoProxySubnets, neverProxySubnets'],
    ['dns: {lookupTimeout: 10 parsecs}', 'dns.lookupTimeout: bad value "10 parsecs": expected a duration such as 500ms, 4s or 1m (a bare number is seconds)'],
    ['dns: {lookupTimeout: 0s}', 'dns.lookupTimeout: bad value "0s": expected a duration such as 500ms, 4s or 1m (a bare number is seconds)'],
    ['dns: {excludeSuffixes: [".com", "not a suffix"]}', 'dns.excludeSuffixes[1]: bad value "not a suffix": expected a DNS suffix such as .example.com'],
    ['dns: {localIP: 1.2.3.4}', 'unknown key dns.localIP (known keys under dns: includeSuffixes, excludeSuffixes, lookupTimeout)'],
    ['timeouts: {agentInstall: 1m}', 'unknown key timeouts.agentInstall (known keys under timeouts: clusterConnect, proxyPodReady, sshConnect, dnsReady, portForward, swapLease, reconnect)'],
    ['timeouts: {sshConnect: -3}', 'timeouts.sshConnect: bad value -3: expected a duration such as 500ms, 4s or 1m (a bare number is seconds)'],
    ['images: {registry: x}', 'unknown key images (known keys at the top: routing, dns, localCluster, timeouts)'],
    ['- routing', '(top level): bad value ["routing"]: expected a map with the keys routing, dns, localCluster, timeouts'],
    ['localCluster: {nameserver: dns.google}', 'localCluster.nameserver: bad value "dns.google": expected an IPv4 address such as 8.8.8.8'],
    ['localCluster: {nameserver: 8.8.8.256}', 'localCluster.nameserver: bad value "8.8.8.256": expected an IPv4 address such as 8.8.8.8'],
    ['localCluster: {detect: sometimes}', 'localCluster.detect: bad value "sometimes": expected true or false'],
    ['localCluster: {resolver: 8.8.8.8}', 'unknown key localCluster.resolver (known keys under localCluster: detect, nameserver)'],
  ];
  // YAML syntax errors quote the parser's first line (its wording is the yaml package's).
  const syntax: [string, string][] = [
    ['routing: {virtualSubnet: [1, 2}', 'not valid YAML: '],
    ['routing: {}\nrouting: {}', 'not valid YAML: Map keys must be unique'],
  ];
  for (const [text, message] of errors) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      let thrown: unknown;
      try {
        parseConfigText(F, text);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(ConfigError);
      expect((thrown as Error).message).to.equal(`config file ${F}: ${message}`);
    });
  }
  for (const [text, prefix] of syntax) {
    it(`rejects ${JSON.stringify(text)} as YAML`, () => {
      let message = '';
      try {
        parseConfigText(F, text);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message.startsWith(`config file ${F}: ${prefix}`), message).to.equal(true);
      expect(message).to.not.include('\n');
    });
  }
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('uses the defaults when the default file is missing', () => {
    const config = loadConfig({ env: { HOME: dir }, platform: 'linux' });
    expect(config.source).to.equal(null);
    expect(config.routing.virtualSubnet).to.equal('246.246.0.0/16');
  });

  it('reads ~/.config/telepresence/config.yml, or $XDG_CONFIG_HOME/telepresence/config.yml', () => {
    const home = write('.config/telepresence/config.yml', 'routing: {virtualSubnet: 100.64.0.0/16}');
    expect(loadConfig({ env: { HOME: dir } }).source).to.equal(home);
    const xdg = write('xdg/telepresence/config.yml', 'routing: {virtualSubnet: 100.65.0.0/16}');
    const config = loadConfig({ env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') } });
    expect([config.source, config.routing.virtualSubnet]).to.deep.equal([xdg, '100.65.0.0/16']);
  });

  it('prefers --config over TELEPRESENCE_CONFIG over the default file', () => {
    write('.config/telepresence/config.yml', 'routing: {virtualSubnet: 100.64.0.0/16}');
    const fromEnv = write('env.yml', 'routing: {virtualSubnet: 100.66.0.0/16}');
    const fromFlag = write('flag.yml', 'routing: {virtualSubnet: 100.67.0.0/16}');
    const env = { HOME: dir, TELEPRESENCE_CONFIG: fromEnv };
    expect(loadConfig({ env }).routing.virtualSubnet).to.equal('100.66.0.0/16');
    expect(loadConfig({ env, flag: fromFlag }).routing.virtualSubnet).to.equal('100.67.0.0/16');
  });

  it('fails when a named file is missing, naming the path and where it came from', () => {
    const missing = join(dir, 'nope.yml');
    expect(() => loadConfig({ flag: missing, env: {} })).to.throw(
      ConfigError,
      `config file ${missing} (from --config) does not exist: fix --config or create the file`,
    );
    expect(() => loadConfig({ env: { TELEPRESENCE_CONFIG: missing } })).to.throw(
      ConfigError,
      `config file ${missing} (from TELEPRESENCE_CONFIG) does not exist: fix TELEPRESENCE_CONFIG or create the file`,
    );
  });

  it('names the real file in value errors', () => {
    const path = write('bad.yml', 'routing:\n  autoResolveConflicts: maybe\n');
    expect(() => loadConfig({ flag: path })).to.throw(
      `config file ${path}: routing.autoResolveConflicts: bad value "maybe": expected true or false`,
    );
  });
});

describe('applyRoutingFlags', () => {
  it('adds --allow-conflicting-subnets to the file list without repeats', () => {
    const base = parseConfigText(F, 'routing: {allowConflictingSubnets: [10.128.0.0/9]}');
    const merged = applyRoutingFlags(base, { allowConflictingSubnets: ['10.128.0.0/9', '10.0.0.0/9'] });
    expect(merged.routing.allowConflictingSubnets).to.deep.equal(['10.128.0.0/9', '10.0.0.0/9']);
    expect(base.routing.allowConflictingSubnets).to.deep.equal(['10.128.0.0/9']);
  });
});
