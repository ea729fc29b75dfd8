// Every user mistake on the session command line: exit 2 and one exact line on stderr.
import { expect } from 'chai';
import { runInProcess } from './run-cli.js';

const E = 'telepresence: error: ';

const cases: [argv: string, message: string][] = [
  // Values of single flags.
  ['--expose 80:x', "argument --expose: '80:x': expected PORT or PORT:PORT with ports from 1 to 65535, e.g. --expose 8080:80"],
  ['--expose 0', "argument --expose: '0': expected PORT or PORT:PORT with ports from 1 to 65535, e.g. --expose 8080:80"],
  ['--expose 1:2:3', "argument --expose: '1:2:3': expected PORT or PORT:PORT with ports from 1 to 65535, e.g. --expose 8080:80"],
  ['--container-to-host 70000', "argument --container-to-host: '70000': expected PORT or PORT:PORT with ports from 1 to 65535, e.g. --container-to-host 9229:9229"],
  ['--to-pod http', "argument --to-pod: 'http': expected a port number from 1 to 65535, e.g. 8080"],
  ['--from-pod 65536', "argument --from-pod: '65536': expected a port number from 1 to 65535, e.g. 8080"],
  ['--mount relative/path', "argument --mount: 'relative/path': Value must be true, false, or an absolute filesystem path"],
  ['-m container --docker-mount rel --docker-run x', "argument --docker-mount: 'rel': Value must be an absolute filesystem path"],
  ['--method magic', "argument --method/-m: invalid choice: 'magic' (choose from 'inject-tcp', 'vpn-tcp', 'container', 'teleproxy')"],
  ['--new-deployment My_App', "argument --new-deployment/-n: 'My_App': a new Deployment (and its Service) needs a name of at most 63 lower-case letters, digits and '-', starting with a letter, e.g. my-app"],
  ['--swap-deployment app:web:x', "argument --swap-deployment/-s: 'app:web:x': expected DEPLOYMENT or DEPLOYMENT:CONTAINER with Kubernetes names, e.g. my-app:web"],
  ['--deployment Bad', "argument --deployment/-d: 'Bad': a Deployment name is lower-case letters, digits, '-' and '.', e.g. my-app"],
  ['--namespace a.b', "argument --namespace: 'a.b': a namespace is at most 63 lower-case letters, digits and '-', e.g. staging"],
  ['--serviceaccount X', "argument --serviceaccount: 'X': a service account name is lower-case letters, digits, '-' and '.', e.g. my-app"],
  ['--expose', "argument --expose: expected one argument; see 'telepresence --help'"],
  ['--bogus', "unrecognized arguments: --bogus; see 'telepresence --help'"],
  ['--swap', "unrecognized arguments: --swap; see 'telepresence --help'"],
  // Mutually exclusive groups (argparse's texts).
  ['-n a -s b', 'argument --swap-deployment/-s: not allowed with argument --new-deployment/-n'],
  ['--deployment a --new-deployment b', 'argument --new-deployment/-n: not allowed with argument --deployment/-d'],
  ['--mount false --docker-mount /x', 'argument --docker-mount: not allowed with argument --mount'],
  ['--run-shell --run ls', 'argument --run: not allowed with argument --run-shell'],
  ['--run-shell --docker-run -it nginx', 'argument --docker-run: not allowed with argument --run-shell'],
  // Telepresence 1's checks after parsing.
  ['--method container', "'--docker-run' is required when using '--method container'."],
  ['-m container --run ls', "'--docker-run' is required when using '--method container'."],
  ['-m vpn-tcp --docker-run -it nginx', "'--method container' is required when using '--docker-run'."],
  ['--docker-mount /tmp/x --run-shell', "'--method container' is required when using '--docker-mount'."],
  ['--run', "argument --run: expected a command after it, e.g. '--run python3 app.py'"],
  ['--docker-run', "argument --docker-run: expected the arguments of 'docker run' after it, e.g. '--docker-run -it nginx'"],
  // Routing flags, checked by the engine.
  ['--vnat bogus', '--vnat "bogus": "bogus" is neither a CIDR nor one of also, service, pods, all; use e.g. 10.130.0.0/16 or service'],
  ['--proxy-via 10.0.0.0/8', '--proxy-via "10.0.0.0/8" is not in the format CIDR=WORKLOAD; use e.g. 10.130.0.0/16=echo or all=echo'],
  ['--proxy-via 10.0.0.0/8=Echo_1', `--proxy-via "10.0.0.0/8=Echo_1": workload "Echo_1" is not a valid name (a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)`],
  ['--vnat 10.0.0.0/8 --vnat 10.1.0.0/16', 'CIDRs 10.0.0.0/8 and 10.1.0.0/16 are overlapping'],
  ['--vnat service --proxy-via service=echo', 'CIDRs service and service are overlapping'],
  ['--vnat pods --vnat all', 'CIDRs pods and all are overlapping'],
  ['--allow-conflicting-subnets 10.0.0.0/99', 'argument --allow-conflicting-subnets: invalid CIDR "10.0.0.0/99": the prefix length 99 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
  ['--also-proxy 10.0.0.0/40', 'argument --also-proxy: invalid CIDR "10.0.0.0/40": the prefix length 40 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64'],
  ['--also-proxy bad_host!', "argument --also-proxy: 'bad_host!': expected a hostname, an IP address or a CIDR, e.g. --also-proxy db.example.com or --also-proxy 10.8.0.0/16"],
  ['--also-proxy 10.1.2', "argument --also-proxy: '10.1.2': expected a hostname, an IP address or a CIDR, e.g. --also-proxy db.example.com or --also-proxy 10.8.0.0/16"],
  // The config file.
  ['--config /nonexistent/tp.yml', 'config file /nonexistent/tp.yml (from --config) does not exist: fix --config or create the file'],
];

describe('telepresence: flag errors', () => {
  for (const [argv, message] of cases) {
    it(argv, async () => {
      const result = await runInProcess(argv.split(' '));
      expect(result).to.deep.equal({ code: 2, stdout: '', stderr: `${E}${message}\n` });
    });
  }
});
