// The Telepresence 1 command line (plus --method teleproxy, the routing flags and --config), in
// help groups; mutually exclusive groups give argparse's `not allowed with argument` errors.
import { REMAINDER } from 'argparse';
import type { ArgumentParser } from 'argparse';
import {
  absolutePath,
  mountValue,
  namespaceName,
  newDeploymentName,
  objectName,
  port,
  portMapping,
  swapTarget,
} from './flag-types.js';
import { METHOD_NAMES } from '../config/session-options.js';
import { createParser } from './parser-base.js';
import { addRoutingFlags } from './routing-flags.js';

const DESCRIPTION = `Telepresence: run a local process as if it ran inside a Kubernetes cluster.

Examples:
  Send an HTTP query to the Service 'myservice' listening on port 8080:
    $ telepresence --run curl http://myservice:8080/
  Replace the Deployment 'myserver' with a local process listening on port 9090:
    $ telepresence --swap-deployment myserver --expose 9090 --run python3 -m http.server 9090
  Run a Docker container instead of a local process:
    $ telepresence --swap-deployment myserver --expose 80 --docker-run -i -t nginx:latest
  Show how the cluster's subnets would be routed, changing nothing:
    $ telepresence plan --service-subnet 10.96.0.0/12 --pod-subnet 10.244.0.0/16
  List the sessions running on this workstation:
    $ telepresence status`;

const EPILOG = `Exit status: the user process's own; 2 for a bad flag or config file;
1 when the command is understood but cannot be carried out (a routing conflict
left unresolved; sessions until a later release); 255 when the cluster or the
connection to it fails, or on an internal error.
Config file: --config FILE, else $TELEPRESENCE_CONFIG, else
$XDG_CONFIG_HOME/telepresence/config.yml (~/.config/telepresence/config.yml).
Run 'telepresence plan --help', 'telepresence repair --help' and
'telepresence status --help' for the other commands.`;

export function createSessionParser(version: string): ArgumentParser {
  const parser = createParser({ prog: 'telepresence', description: DESCRIPTION, epilog: EPILOG });
  parser.add_argument('--version', { action: 'version', version, help: "show the program's version and exit" });
  parser.add_argument('--verbose', { action: 'store_true', help: 'Enables verbose logging for troubleshooting.' });
  parser.add_argument('--logfile', {
    default: './telepresence.log',
    help: "The path to write logs to. '-' means stdout. Default: ./telepresence.log",
  });
  parser.add_argument('--config', { metavar: 'FILE', help: 'Read this config file (see below).' });

  const method = parser.add_argument_group({ title: 'method' });
  method.add_argument('--method', '-m', {
    choices: [...METHOD_NAMES],
    help:
      "'vpn-tcp' (default): the whole workstation reaches the cluster; needs root. " +
      "'inject-tcp': only the --run process, through torsocks. " +
      "'container': with --docker-run (the default then). " +
      "'teleproxy' (experimental): like vpn-tcp, with names resolved on the workstation.",
  });
  method.add_argument('--docker-host', {
    dest: 'docker_host',
    metavar: 'URL',
    help: 'With --method container: the Docker engine to use, as DOCKER_HOST (e.g. unix:///run/docker.sock); it must run its containers on this machine.',
  });

  const cluster = parser.add_argument_group({ title: 'cluster and deployment' });
  const deployment = cluster.add_mutually_exclusive_group();
  deployment.add_argument('--new-deployment', '-n', {
    dest: 'new_deployment',
    metavar: 'DEPLOYMENT_NAME',
    type: newDeploymentName,
    help: 'Create a new proxy Deployment, deleted on exit (the default, named telepresence-<time>-<pid>).',
  });
  deployment.add_argument('--swap-deployment', '-s', {
    dest: 'swap_deployment',
    metavar: 'DEPLOYMENT_NAME[:CONTAINER]',
    type: swapTarget,
    help: 'Swap an existing Deployment for the proxy and swap it back on exit.',
  });
  deployment.add_argument('--deployment', '-d', {
    metavar: 'EXISTING_DEPLOYMENT_NAME',
    type: objectName('Deployment'),
    help: 'Use an existing Deployment that already runs the Telepresence proxy image.',
  });
  cluster.add_argument('--context', { help: "The kubeconfig context. Default: kubectl's current context." });
  cluster.add_argument('--namespace', {
    type: namespaceName,
    help: "The namespace. Default: the context's namespace, else 'default'.",
  });
  cluster.add_argument('--serviceaccount', {
    dest: 'service_account',
    type: objectName('service account'),
    help: 'The service account of a new Deployment, or the one to use for a swapped Deployment.',
  });

  const ports = parser.add_argument_group({ title: 'ports' });
  ports.add_argument('--expose', {
    action: 'append',
    metavar: 'PORT[:REMOTE_PORT]',
    type: portMapping('--expose 8080:80'),
    default: [],
    help: 'Expose a local port to the cluster, optionally as another port in the pod. Repeatable.',
  });
  ports.add_argument('--to-pod', {
    dest: 'to_pod',
    action: 'append',
    metavar: 'PORT',
    type: port,
    default: [],
    help: "Reach localhost:PORT of the swapped pod's other containers from here. Repeatable.",
  });
  ports.add_argument('--from-pod', {
    dest: 'from_pod',
    action: 'append',
    metavar: 'PORT',
    type: port,
    default: [],
    help: "Let the swapped pod's other containers reach localhost:PORT here. Repeatable.",
  });
  ports.add_argument('--container-to-host', {
    dest: 'container_to_host',
    action: 'append',
    metavar: 'CONTAINER_PORT[:HOST_PORT]',
    type: portMapping('--container-to-host 9229:9229'),
    default: [],
    help: 'With --method container: forward localhost:CONTAINER_PORT in the container to the host. Repeatable.',
  });

  const routing = parser.add_argument_group({ title: 'routing' });
  addRoutingFlags(
    routing,
    'Also route this host (resolved in the pod), IP or CIDR to the cluster. Repeatable.',
  );
  routing.add_argument('--local-cluster', {
    dest: 'local_cluster',
    action: 'store_true',
    help: 'The cluster runs on this machine: avoid DNS loops by resolving non-cluster names elsewhere.',
  });

  const files = parser.add_argument_group({ title: 'volumes and environment' });
  const mount = files.add_mutually_exclusive_group();
  mount.add_argument('--docker-mount', {
    dest: 'docker_mount',
    metavar: 'PATH',
    type: absolutePath,
    help: 'With --method container: mount the pod volumes at this absolute path ($TELEPRESENCE_ROOT).',
  });
  mount.add_argument('--mount', {
    metavar: 'PATH_OR_BOOLEAN',
    type: mountValue,
    default: true,
    help: "Mount the pod's volumes at this absolute path; true (default): under /tmp; false: do not mount.",
  });
  files.add_argument('--env-json', { dest: 'env_json', metavar: 'FILENAME', help: "Also write the pod's environment as JSON." });
  files.add_argument('--env-file', {
    dest: 'env_file',
    metavar: 'FILENAME',
    help: "Also write the pod's environment as a Docker Compose env file.",
  });

  const run = parser.add_argument_group({ title: 'what to run (default: an interactive shell)' });
  const runWhat = run.add_mutually_exclusive_group();
  runWhat.add_argument('--run-shell', {
    dest: 'run_shell',
    action: 'store_true',
    help: 'Run a shell proxied to and from the cluster.',
  });
  runWhat.add_argument('--run', {
    metavar: ['COMMAND', 'ARG'],
    nargs: REMAINDER,
    help: "Run this command with its arguments (everything after --run), e.g. '--run python3 app.py'.",
  });
  runWhat.add_argument('--docker-run', {
    dest: 'docker_run',
    metavar: 'DOCKER_RUN_ARG',
    nargs: REMAINDER,
    help: "Run a container: everything after --docker-run goes to 'docker run', e.g. '--docker-run -it nginx'.",
  });
  return parser;
}
