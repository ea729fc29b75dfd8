// Seeded fuzz of the files a user passes: config.yml (parseConfigText, and loadConfig on a temp file)
// and the --route-table JSON. Nothing may escape but a ConfigError / UsageError of one short line,
// an accepted config keeps every duration in range, and each batch stays within its time bound.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRouteTableFile } from '../../../src/cli/plan-command.js';
import { type Config, loadConfig, parseConfigText } from '../../../src/config/index.js';
import { MAX_DURATION_MS } from '../../../src/config/duration.js';
import { TelepresenceError } from '../../../src/errors.js';
import { parseIpRouteJson, RouteJsonError } from '../../../src/host/ip-route-json.js';
import { HOST_ALL, STAGED_V4, STAGED_V6 } from '../host/ip-route-samples.js';
import { Fuzz, FUZZ_SEED, replay, stallMs } from '../../helpers/fuzz.js';

const INPUTS = 10_000;
/** Per batch, and per input (a stall or a blow-up, not slowness, is what the second catches). */
const BATCH_MS = stallMs(20_000);
const ONE_MS = stallMs(500);
const F = '/fuzz/config.yml';

const CONFIGS = [
  [
    'routing:',
    '  allowConflictingSubnets: &nets [10.128.0.0/9]',
    '  autoResolveConflicts: false',
    '  virtualSubnet: 100.10.20.7/24',
    '  alsoProxySubnets: [192.168.7.0/24, "fd00:1::/64"]',
    '  neverProxySubnets: *nets',
    'dns:',
    '  includeSuffixes: [.corp.example]',
    '  excludeSuffixes: .com',
    '  lookupTimeout: &t 500ms',
    'timeouts:',
    '  clusterConnect: 1m',
    '  proxyPodReady: 1m30s',
    '  sshConnect: *t',
    '  dnsReady: 2.5s',
    '  portForward: 7',
  ].join('\n'),
  'routing: {virtualSubnet: 246.246.0.0/16, alsoProxySubnets: [&a 10.1.0.0/16, *a]}\ndns: {lookupTimeout: 8s}\n',
  'timeouts:\n  sshConnect: 30s\n  dnsReady: 35s\n# a comment\n',
];
const YAML_TOKENS = [
  '&a ', '*a', '&b ', '*b', ' *a', '[*a, *a, *a]', '[', ']', '{', '}', ':', ': ', '- ', '\n', '\n  ', '  ', '\t', '---\n', '...\n',
  '? ', '!!str ', '!!binary ', '!!map ', '!foo ', '"', "'", '#', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '<<: *a', ',', '|', '>',
  '1000000h', '24h', '24h1ms', '0s', '1e400', '-1', '0x1f', '.inf', 'null', '~', 'true', '__proto__', 'constructor', 'toString',
  '10.0.0.0/8', 'fd00::/64', '999.1.1.1/8', '\\u', '"\\q"', '\u0000', '\uFEFF', 'é', 'x'.repeat(300),
];

const ROUTE_TABLES = [HOST_ALL, STAGED_V4, STAGED_V6];
const JSON_TOKENS = [
  '[', ']', '{', '}', ',', ':', '"', '"dst"', '"dev"', '"nexthops"', '"via"', '"gateway"', 'null', 'true', '0', '-1', '1e999',
  '"default"', '"10.0.0.0/33"', '"::"', '"fe80::1%eth0"', '[[[[[[[[', '{"dst":', '"\\u0000"', '\\', '\n', ' ',
];
/** Structural mutation: a random entry's key gets a value of another type. */
const VALUES: unknown[] = [null, 0, -1, 1e308, true, '', 'default', '10.0.0.0/8', '::/0', [], {}, [{}], { host: 7 }, 'x'.repeat(200), [[[[]]]]];
const KEYS = ['dst', 'dev', 'gateway', 'via', 'nexthops', 'type', 'table', 'metric', 'prefsrc', 'pref', '__proto__'];

function expectOneLine(err: unknown, seedInput: string, kinds: readonly string[]): void {
  if (!(err instanceof TelepresenceError) || !kinds.includes(err.category)) {
    throw new Error(`escaped: ${(err as Error)?.stack ?? String(err)}\n${seedInput}`);
  }
  expect(err.message.includes('\n'), seedInput).to.equal(false);
  expect(err.message.length, seedInput).to.be.below(700);
}

function timed(what: string, run: () => void): number {
  const started = performance.now();
  run();
  const ms = performance.now() - started;
  expect(ms, `${what} took ${ms.toFixed(0)} ms`).to.be.below(BATCH_MS);
  return ms;
}

/** One input's work, which must not take longer than ONE_MS. */
function once(seedInput: () => string, work: () => void): void {
  const started = performance.now();
  work();
  const ms = performance.now() - started;
  if (ms >= ONE_MS) throw new Error(`one input took ${ms.toFixed(0)} ms: ${seedInput()}`);
}

describe(`fuzz: config and route-table files (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(4 * BATCH_MS);
  let dir: string;
  // A parser that warns on the process (the yaml package does for odd keys) prints on the user's terminal.
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-fuzz-files-'));
    process.on('warning', onWarning);
  });
  after(() => {
    process.off('warning', onWarning);
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings, 'process warnings').to.deep.equal([]);
  });

  it(`parseConfigText: ${INPUTS} mutated files, only one-line ConfigErrors, durations within 24h`, () => {
    const fuzz = new Fuzz(FUZZ_SEED);
    let accepted = 0;
    timed('parseConfigText batch', () => {
      for (let i = 0; i < INPUTS; i++) {
        const text = fuzz.mutateText(fuzz.pick(CONFIGS), YAML_TOKENS);
        const seedInput = () => replay(FUZZ_SEED, i, text);
        let outcome: unknown;
        once(seedInput, () => {
          try {
            outcome = parseConfigText(F, text);
          } catch (err) {
            outcome = err;
          }
        });
        if (outcome instanceof Error) {
          expectOneLine(outcome, seedInput(), ['config']);
          expect(outcome.message.startsWith(`config file ${F}: `), seedInput()).to.equal(true);
        } else {
          accepted++;
          const config = outcome as Config;
          const durations = [config.dns.lookupTimeoutMs, ...Object.values(config.timeouts)];
          for (const ms of durations) expect(ms >= 1 && ms <= MAX_DURATION_MS, seedInput()).to.equal(true);
        }
      }
    });
    // Both outcomes are exercised, or the mutators are too weak or too strong to mean anything.
    expect(accepted).to.be.within(INPUTS / 50, INPUTS - INPUTS / 50);
  });

  it(`loadConfig: ${INPUTS / 10} mutated files on disk`, () => {
    const fuzz = new Fuzz(FUZZ_SEED + 1);
    const file = join(dir, 'config.yml');
    timed('loadConfig batch', () => {
      for (let i = 0; i < INPUTS / 10; i++) {
        const text = fuzz.mutateText(fuzz.pick(CONFIGS), YAML_TOKENS);
        writeFileSync(file, text);
        const seedInput = () => `loadConfig ${replay(FUZZ_SEED, i, text)}`;
        once(seedInput, () => {
          try {
            loadConfig({ flag: file, env: {} });
          } catch (err) {
            expectOneLine(err, seedInput(), ['config']);
          }
        });
      }
    });
  });

  it(`route table: ${INPUTS} mutated texts and structures, only RouteJsonError / one-line UsageErrors`, () => {
    const fuzz = new Fuzz(FUZZ_SEED + 2);
    const file = join(dir, 'routes.json');
    timed('route table batch', () => {
      for (let i = 0; i < INPUTS; i++) {
        let text: string;
        if (i % 2 === 0) {
          text = fuzz.mutateText(fuzz.pick(ROUTE_TABLES), JSON_TOKENS);
        } else {
          const routes = JSON.parse(fuzz.pick(ROUTE_TABLES)) as Record<string, unknown>[];
          for (let edits = 1 + fuzz.int(3); edits > 0; edits--) {
            const at = fuzz.int(routes.length);
            if (fuzz.int(4) === 0) routes[at] = structuredClone(fuzz.pick(VALUES)) as Record<string, unknown>;
            else if (routes[at] && typeof routes[at] === 'object') routes[at][fuzz.pick(KEYS)] = structuredClone(fuzz.pick(VALUES));
          }
          text = JSON.stringify(routes);
        }
        const seedInput = `route table ${replay(FUZZ_SEED, i, text)}`;
        once(() => seedInput, () => {
          try {
            parseIpRouteJson(text);
          } catch (err) {
            if (!(err instanceof RouteJsonError)) throw new Error(`escaped: ${(err as Error)?.stack ?? String(err)}\n${seedInput}`);
          }
        });
        if (i % 10 !== 0) continue;
        writeFileSync(file, text);
        try {
          readRouteTableFile(file);
        } catch (err) {
          expectOneLine(err, seedInput, ['user']);
        }
      }
    });
  });
});
