// Seeded fuzz of the command line: run(argv) in-process with mutated argv, session and plan. Every
// run must end with exit 0 (help, version) or 2 and one `telepresence: error:` line, never a bug.
// A config file that does not exist comes first, so an argv that parses stops there, before any
// session or cluster work.
import { expect } from 'chai';
import { run } from '../../../src/cli/main.js';
import { Fuzz, FUZZ_SEED, replay, stallMs } from '../../helpers/fuzz.js';

/** 10,000 command lines per run: plan's parser is built about four times faster than the session's. */
const SESSION_INPUTS = 3_000;
const PLAN_INPUTS = 7_000;
/** Per batch, and per command line (a stall or a blow-up, not slowness, is what this catches). */
const BATCH_MS = stallMs(20_000);
const ONE_MS = stallMs(1_000);
const MISSING = '/nonexistent/tp-fuzz/config.yml';
const CONFIG_LINE = `telepresence: error: config file ${MISSING} (from --config) does not exist: fix --config or create the file\n`;

const SESSION = [
  ['--run', 'true'],
  ['--method', 'vpn-tcp', '--expose', '8080:80', '--run-shell'],
  ['-s', 'app:web', '--to-pod', '9000', '--from-pod', '9001', '--run', 'python3', 'app.py'],
  ['-m', 'container', '--docker-run', '-it', 'nginx', '--docker-mount', '/tmp/x'],
  ['--new-deployment', 'echo', '--namespace', 'staging', '--also-proxy', '10.1.0.0/16', '--vnat', 'service', '--run-shell'],
  ['--deployment', 'web', '--proxy-via', '10.0.0.0/8=echo', '--allow-conflicting-subnets', '10.0.0.0/9', '--mount', 'false', '--run', 'ls'],
  ['--context', 'kind', '--serviceaccount', 'sa', '--container-to-host', '9229', '--env-json', '/tmp/e.json', '--logfile', '-', '--run-shell'],
];
const PLAN = [
  ['--service-subnet', '10.130.0.0/16', '--pod-subnet', '10.132.0.0/16', '--route-table', '/nonexistent/routes.json'],
  ['--service-subnet', '10.130.0.0/16', '--vnat', 'all', '--json', '--route-table', '/nonexistent/routes.json'],
  ['--context', 'kind', '--namespace', 'default', '--also-proxy', '192.168.50.7', '--allow-conflicting-subnets', '10.0.0.0/8'],
];
const TOKENS = [
  '--run', '--run-shell', '--docker-run', '--method', '-m', '-n', '-s', '-d', '--expose', '--to-pod', '--from-pod', '--mount', '--docker-mount',
  '--also-proxy', '--vnat', '--proxy-via', '--allow-conflicting-subnets', '--service-subnet', '--pod-subnet', '--route-table', '--json',
  '--context', '--namespace', '--serviceaccount', '--container-to-host', '--local-cluster', '--env-json', '--env-file', '--logfile',
  '--verbose', '--new-deployment', '--swap-deployment', '--deployment', '--docker-host', '-h', '--help', '--version', '--', '-', '=',
  'inject-tcp', 'vpn-tcp', 'container', 'teleproxy', 'service', 'pods', 'all', 'also', '10.0.0.0/8', '10.0.0.0/99', '::/0', 'fd00::/300',
  '0', '65535', '65536', '-1', '1:2', '8080:80:1', 'app:web:x', 'A_B', 'x'.repeat(300), '', ' ', '\n', '\u0000', 'é', '%s', '$HOME',
  '--expose=80', '--vnat=all=x', '10.0.0.0/8=Echo', 'all=echo', 'true', 'false', '/abs/path', 'rel/path', 'plan',
];

/** Not one token may name another config file: it would replace the missing one that stops the run. */
function withoutConfig(argv: string[]): string[] {
  return argv.map((arg) => (arg === '--config' || arg.startsWith('--config=') ? '--conf1g' : arg));
}

describe(`fuzz: command line (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(4 * BATCH_MS);
  for (const [name, bases, prefix, inputs, offset] of [
    ['session', SESSION, ['--config', MISSING], SESSION_INPUTS, 10],
    ['plan', PLAN, ['plan', '--config', MISSING], PLAN_INPUTS, 11],
  ] as const) {
    it(`${name}: ${inputs} mutated argv, exit 0 or 2 with one error line, never an internal error`, async () => {
      const fuzz = new Fuzz(FUZZ_SEED + offset);
      const outcomes = { help: 0, flagError: 0, reachedConfig: 0 };
      const started = performance.now();
      for (let i = 0; i < inputs; i++) {
        const argv = [...prefix, ...withoutConfig(fuzz.mutateList(fuzz.pick(bases), TOKENS))];
        let stdout = '';
        let stderr = '';
        const one = performance.now();
        const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { HOME: '/nonexistent' });
        const seedInput = `${name} ${replay(FUZZ_SEED, i, argv)}: exit ${code}, stderr ${JSON.stringify(stderr)}`;
        expect(performance.now() - one, seedInput).to.be.below(ONE_MS);
        if (code === 0) {
          expect([stderr, stdout.length > 0], seedInput).to.deep.equal(['', true]);
          outcomes.help++;
        } else {
          expect(code, seedInput).to.equal(2);
          expect(stderr, seedInput).to.match(/^telepresence: error: [^\n]+\n$/);
          if (stderr === CONFIG_LINE) outcomes.reachedConfig++;
          else outcomes.flagError++;
        }
      }
      const ms = performance.now() - started;
      expect(ms, `${name} batch took ${ms.toFixed(0)} ms`).to.be.below(BATCH_MS);
      // Both parsed and refused command lines are exercised.
      expect(outcomes.reachedConfig, JSON.stringify(outcomes)).to.be.above(inputs / 100);
      expect(outcomes.flagError, JSON.stringify(outcomes)).to.be.above(inputs / 100);
    });
  }
});
