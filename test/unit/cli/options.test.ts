// Valid command lines and the read-only options they resolve to (defaults included).
import { expect } from 'chai';
import { defaultDeploymentName, resolveSessionOptions, type SessionOptions } from '../../../src/cli/options.js';
import { createSessionParser } from '../../../src/cli/session-parser.js';
import { runInProcess } from './run-cli.js';

const NOW = 1700000000123.4;
const resolve = (argv: string): SessionOptions =>
  resolveSessionOptions(createSessionParser('0.0.0').parse_args(argv === '' ? [] : argv.split(' ')), NOW, 4242);

describe('session options', () => {
  it('has Telepresence 1 defaults', () => {
    expect(resolve('')).to.deep.equal({
      method: 'vpn-tcp',
      deployment: { kind: 'new', name: 'telepresence-1700000000-1234-4242' },
      context: null,
      namespace: null,
      serviceAccount: null,
      expose: [],
      toPod: [],
      fromPod: [],
      containerToHost: [],
      routing: { alsoProxy: { cidrs: [], hostnames: [] }, vnat: [], allowConflictingSubnets: [] },
      localCluster: false,
      mount: true,
      dockerMount: null,
      dockerHost: null,
      envJson: null,
      envFile: null,
      run: { kind: 'shell' },
      logfile: './telepresence.log',
      verbose: false,
      configFile: null,
    });
  });

  it('names a new deployment telepresence-<time>-<pid> with the dots as dashes', () => {
    expect(defaultDeploymentName(1588888888000, 7)).to.equal('telepresence-1588888888-7');
    expect(defaultDeploymentName(1588888888500, 7)).to.equal('telepresence-1588888888-5-7');
  });

  const cases: [argv: string, pick: (o: SessionOptions) => unknown, expected: unknown][] = [
    ['--docker-run -it nginx', (o) => [o.method, o.run], ['container', { kind: 'docker', dockerRunArgs: ['-it', 'nginx'] }]],
    ['-m inject-tcp --run curl -s http://x --run-shell', (o) => [o.method, o.run], ['inject-tcp', { kind: 'command', argv: ['curl', '-s', 'http://x', '--run-shell'] }]],
    ['--method teleproxy --run-shell', (o) => [o.method, o.run], ['teleproxy', { kind: 'shell' }]],
    ['-s app:web', (o) => o.deployment, { kind: 'swap', name: 'app', container: 'web' }],
    ['--swap-deployment app', (o) => o.deployment, { kind: 'swap', name: 'app', container: null }],
    ['-d proxy.v1', (o) => o.deployment, { kind: 'existing', name: 'proxy.v1' }],
    ['-n mine', (o) => o.deployment, { kind: 'new', name: 'mine' }],
    ['--expose 8080 --expose 9090:80', (o) => o.expose, [{ workstationPort: 8080, podPort: 8080 }, { workstationPort: 9090, podPort: 80 }]],
    ['--to-pod 1 --from-pod 65535', (o) => [o.toPod, o.fromPod], [[1], [65535]]],
    ['--mount false', (o) => o.mount, false],
    ['--mount ON', (o) => o.mount, true],
    ['--mount /mnt/tp', (o) => o.mount, '/mnt/tp'],
    ['--docker-mount /tp --docker-run img', (o) => [o.mount, o.dockerMount], [true, '/tp']],
    [
      '--also-proxy db.example.com --also-proxy 10.1.2.3 --also-proxy 10.8.1.0/16 --also-proxy fd00::1',
      (o) => o.routing.alsoProxy,
      { cidrs: ['10.1.2.3/32', '10.8.0.0/16', 'fd00::1/128'], hostnames: ['db.example.com'] },
    ],
    [
      '--vnat 10.130.0.0/16 --vnat all --proxy-via 10.140.0.0/16=echo',
      (o) => o.routing.vnat,
      [
        { target: '10.130.0.0/16', via: 'local' },
        { target: 'also', via: 'local' },
        { target: 'pods', via: 'local' },
        { target: 'service', via: 'local' },
        { target: '10.140.0.0/16', via: 'echo' },
      ],
    ],
    ['--allow-conflicting-subnets 10.128.5.0/9', (o) => o.routing.allowConflictingSubnets, ['10.128.0.0/9']],
    ['--context kind-x --namespace dev --serviceaccount robot', (o) => [o.context, o.namespace, o.serviceAccount], ['kind-x', 'dev', 'robot']],
    ['--logfile - --verbose --local-cluster', (o) => [o.logfile, o.verbose, o.localCluster], ['-', true, true]],
    ['--env-json e.json --env-file e.env', (o) => [o.envJson, o.envFile], ['e.json', 'e.env']],
    ['--config /x.yml', (o) => o.configFile, '/x.yml'],
  ];
  for (const [argv, pick, expected] of cases) {
    it(argv, () => expect(pick(resolve(argv))).to.deep.equal(expected));
  }

  it('is read-only', () => {
    const options = resolve('--expose 80');
    expect(Object.isFrozen(options) && Object.isFrozen(options.expose) && Object.isFrozen(options.routing)).to.equal(true);
  });
});

describe('telepresence: valid sessions, help and version', () => {
  it('refuses a --docker-run flag the container method cannot honour before it asks the cluster', async () => {
    const docker = await runInProcess(['--docker-run', '--network', 'host', 'nginx']);
    expect(docker).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: "telepresence: error: --docker-run: --network cannot be used with the container method: the container joins the sidecar's network (--network container:<sidecar>), which reaches the cluster\n",
    });
  });

  it('prints the version alone, as Telepresence 1', async () => {
    const result = await runInProcess(['--version']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^\d+\.\d+\.\d+\n$/);
  });

  it('groups the flags in --help', async () => {
    const result = await runInProcess(['--help']);
    expect(result.code).to.equal(0);
    const titles = result.stdout.split('\n').filter((l) => /^[a-z].*:$/.test(l));
    expect(titles).to.deep.equal([
      'options:',
      'method:',
      'cluster and deployment:',
      'ports:',
      'routing:',
      'volumes and environment:',
      'what to run (default: an interactive shell):',
    ]);
    for (const flag of ['--swap-deployment', '--vnat CIDR|service|pods|also|all', '--proxy-via CIDR=WORKLOAD', '--config FILE']) {
      expect(result.stdout).to.include(flag);
    }
  });

  it('prints the plan help', async () => {
    const result = await runInProcess(['plan', '--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^usage: telepresence plan /);
  });

  it('prints the repair help, and refuses an unknown repair flag in one line, exit 2', async () => {
    const help = await runInProcess(['repair', '--help']);
    expect([help.code, help.stdout.split('\n')[0]]).to.deep.equal([0, 'usage: telepresence repair [-h] [--context CONTEXT] [--namespace NAMESPACE]']);
    expect(await runInProcess(['repair', '--swap-deployment', 'x'])).to.deep.equal({
      code: 2, stdout: '', stderr: "telepresence: error: unrecognized arguments: --swap-deployment x; see 'telepresence repair --help'\n",
    });
  });

  it('repair: a kubeconfig without a context is one line, and nothing is repaired', async function () {
    this.timeout(20_000); // client-node loads
    const result = await runInProcess(['repair'], { HOME: '/nonexistent', KUBECONFIG: '/nonexistent/kubeconfig' });
    expect(result.stdout).to.equal('');
    expect(result.stderr.split('\n').filter(Boolean)).to.have.length(1);
    expect(result.stderr).to.match(/^telepresence: error: no Kubernetes context is selected/);
    expect(result.code).to.equal(255);
  });
});

describe('telepresence: internal errors', () => {
  it('prints one line and writes the stack to the log, exit 255', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { run } = await import('../../../src/cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'tp-log-'));
    const log = join(dir, 'tp.log');
    let stderr = '';
    const io = {
      stdout: () => undefined,
      stderr: (text: string) => {
        if (!text.startsWith('telepresence: internal error')) throw new TypeError('stderr is gone');
        stderr += text;
      },
    };
    try {
      const code = await run(['--logfile', log, '--run', 'ls'], io, { HOME: dir });
      expect([code, stderr]).to.deep.equal([255, 'telepresence: internal error: stderr is gone (see the log)\n']);
      expect(readFileSync(log, 'utf8')).to.match(/internal error: TypeError: stderr is gone\n {4}at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
