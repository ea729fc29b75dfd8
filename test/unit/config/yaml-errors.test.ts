// Malformed config files: YAML errors (syntax, aliases, duplicate keys, documents) name the file,
// the line and column and what was expected; durations past 24 h are refused with the range.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigText } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { runInProcess } from '../cli/run-cli.js';

const F = '/etc/tp/config.yml';

function messageOf(text: string): string {
  try {
    parseConfigText(F, text);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
}

/** Nine levels of ten aliases each: 10^9 values once expanded. */
const BILLION_LAUGHS = ['a: &a [1, 2]', ...Array.from({ length: 8 }, (_, i) => `b${i + 1}: &b${i + 1} [${Array(10).fill(i ? `*b${i}` : '*a').join(', ')}]`)].join('\n');

describe('config YAML errors', () => {
  const cases: [string, string, string][] = [
    ['an alias before its anchor', 'dns:\n  lookupTimeout: *t\nx: &t 4s\n', 'not valid YAML: the alias *t at line 2, column 18 has no anchor &t before it: define the anchor first'],
    ['an alias without any anchor', 'routing: {virtualSubnet: *nope}', 'not valid YAML: the alias *nope at line 1, column 26 has no anchor &nope before it: define the anchor first'],
    ['an alias inside its own anchor', 'routing:\n  alsoProxySubnets: &l [10.0.0.0/8, *l]\n', 'not valid YAML: the alias *l at line 2, column 37 is inside its own anchor &l: a value cannot contain itself'],
    ['nested aliases that expand too far', BILLION_LAUGHS, 'not valid YAML: the aliases from line 2, column 10 on expand to more than 100 values: use fewer aliases'],
    ['an unclosed flow list', 'routing:\n  virtualSubnet: [1, 2\n', 'not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1'],
    ['a duplicate key', 'timeouts:\n  sshConnect: 4s\n  sshConnect: 5s\n', 'not valid YAML: Map keys must be unique at line 3, column 3'],
    ['a second document', 'routing: {}\n---\ndns: {}\n', 'not valid YAML: a second document starts at line 2, column 1: a config file holds one document (remove the ---)'],
    ['a list as a key', '? [routing]\n: 1\n', 'not valid YAML: the key at line 1, column 3 is a list or map: expected a name'],
    ['an alias as a key', 'x: &a {b: 1}\n*a : 2\n', 'not valid YAML: the key at line 2, column 1 is an alias: expected a name'],
    ['a binary key', '!!binary aGVsbG8=: 1\n', 'not valid YAML: the key at line 1, column 10 is not text: expected a name'],
    ['a key with a line break', '? |\n  multi\n: 1\n', 'unknown key "multi\\n" (known keys at the top: routing, dns, localCluster, timeouts)'],
    ['an empty key under a section', 'dns: {"": 1}', 'unknown key dns."" (known keys under dns: includeSuffixes, excludeSuffixes, lookupTimeout)'],
    ['a bad escape', 'dns: {includeSuffixes: ["\\q"]}', 'not valid YAML: Invalid escape sequence \\q at line 1, column 26'],
  ];
  for (const [what, text, message] of cases) {
    it(`names the line of ${what}`, () => expect(messageOf(text)).to.equal(`config file ${F}: ${message}`));
  }

  it('still reads anchors and aliases used in order', () => {
    const config = parseConfigText(F, 'routing:\n  alsoProxySubnets: &nets [10.1.0.0/16]\n  neverProxySubnets: *nets\n');
    expect([config.routing.alsoProxySubnets, config.routing.neverProxySubnets]).to.deep.equal([['10.1.0.0/16'], ['10.1.0.0/16']]);
  });

  it('refuses keys of Object.prototype and cuts long values short', () => {
    expect(messageOf('toString: 1')).to.equal(`config file ${F}: unknown key toString (known keys at the top: routing, dns, localCluster, timeouts)`);
    expect(messageOf('__proto__: {routing: 1}')).to.equal(`config file ${F}: unknown key __proto__ (known keys at the top: routing, dns, localCluster, timeouts)`);
    expect(messageOf(`routing: {virtualSubnet: ${'9'.repeat(300)}.0.0.0/8}`)).to.equal(
      `config file ${F}: routing.virtualSubnet: bad value "${'9'.repeat(119)}...: expected a CIDR such as 10.128.0.0/9`,
    );
  });
});

describe('config duration range', () => {
  const out = (key: string, shown: string) => `config file ${F}: ${key}: bad value ${shown}: out of range: use a duration from 1ms to 24h`;
  const cases: [string, string][] = [
    ['dns: {lookupTimeout: 1000000h}', out('dns.lookupTimeout', '"1000000h"')],
    ['timeouts: {sshConnect: 1000000h}', out('timeouts.sshConnect', '"1000000h"')],
    ['timeouts: {proxyPodReady: 24h1ms}', out('timeouts.proxyPodReady', '"24h1ms"')],
    ['timeouts: {portForward: 86401}', out('timeouts.portForward', '86401')],
    [`timeouts: {dnsReady: ${'9'.repeat(400)}s}`, out('timeouts.dnsReady', `"${'9'.repeat(119)}...`)],
    ['timeouts: {clusterConnect: 0.0001s}', out('timeouts.clusterConnect', '"0.0001s"')],
  ];
  for (const [text, message] of cases) {
    it(`refuses ${text.slice(0, 40)}`, () => expect(messageOf(text)).to.equal(message));
  }
  it('accepts 1ms and 24h', () => {
    const config = parseConfigText(F, 'dns: {lookupTimeout: 1ms}\ntimeouts: {sshConnect: 24h, portForward: 86400}');
    expect([config.dns.lookupTimeoutMs, config.timeouts.sshConnectMs, config.timeouts.portForwardMs]).to.deep.equal([1, 86_400_000, 86_400_000]);
  });
});

describe('config files through the CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-config-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 on a YAML alias error, naming the file and the line', async () => {
    const file = join(dir, 'alias.yml');
    writeFileSync(file, 'dns:\n  lookupTimeout: *t\n');
    const message = `config file ${file}: not valid YAML: the alias *t at line 2, column 18 has no anchor &t before it: define the anchor first`;
    const want = { code: 2, stdout: '', stderr: `telepresence: error: ${message}\n` };
    expect(await runInProcess(['plan', '--config', file, '--route-table', '/nonexistent', '--service-subnet', '10.0.0.0/16'])).to.deep.equal(want);
    expect(await runInProcess(['--config', file, '--run', 'true'])).to.deep.equal(want);
  });

  it('exits 2 on 1000000h', async () => {
    const file = join(dir, 'long.yml');
    writeFileSync(file, 'timeouts:\n  sshConnect: 1000000h\n');
    expect(await runInProcess(['--config', file, '--run', 'true'])).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: `telepresence: error: config file ${file}: timeouts.sshConnect: bad value "1000000h": out of range: use a duration from 1ms to 24h\n`,
    });
  });

  it('refuses a file that never ends, and a directory', () => {
    expect(() => loadConfig({ flag: '/dev/zero' })).to.throw(ConfigError, 'config file /dev/zero (from --config) is larger than 16 MiB: fix --config or create the file');
    expect(() => loadConfig({ flag: dir })).to.throw(ConfigError, `config file ${dir} (from --config) cannot be read (EISDIR): fix --config or create the file`);
  });
});
