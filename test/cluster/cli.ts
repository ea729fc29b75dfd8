// `npm run cluster -- up | down | status`: the local test cluster's command line.
// `up` prints the kubeconfig path as its last line, so scripts can take it with `tail -1`.
import { ArgumentParser } from 'argparse';

import { parseCidr } from './node/cidr.js';
import { clusterDown, clusterStatus, clusterUp } from './node/lifecycle.js';
import { DEFAULT_SETTINGS, stateDir } from './state.js';

const parser = new ArgumentParser({ prog: 'npm run cluster --', description: 'The local test cluster: Kubernetes API, a node running pods on Docker' });
parser.add_argument('command', { choices: ['up', 'down', 'status'] });
parser.add_argument('--pod-subnet', { default: DEFAULT_SETTINGS.podSubnet, help: 'pods get IPs from here (default %(default)s)' });
parser.add_argument('--service-subnet', { default: DEFAULT_SETTINGS.serviceSubnet, help: 'Services get ClusterIPs from here (default %(default)s)' });
parser.add_argument('--mirror', { help: 'Debian mirror for the base image (default $TP_CLUSTER_MIRROR, else the one apt uses)' });
parser.add_argument('--state-dir', { default: stateDir(), help: 'state directory (default $TP_CLUSTER_STATE or %(default)s)' });
const args = parser.parse_args() as { command: 'up' | 'down' | 'status'; pod_subnet: string; service_subnet: string; state_dir: string; mirror?: string };
// images/build.ts reads the mirror from the environment, where the e2e helper's builds find it too.
if (args.mirror) process.env.TP_CLUSTER_MIRROR = args.mirror;

const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);

async function main(): Promise<void> {
  if (args.command === 'up') {
    let settings;
    try {
      settings = { podSubnet: parseCidr(args.pod_subnet).text, serviceSubnet: parseCidr(args.service_subnet).text };
    } catch (err) {
      parser.error((err as Error).message);
    }
    const started = Date.now();
    const kubeconfig = await clusterUp(args.state_dir, settings!, log);
    log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(`${kubeconfig}\n`);
  } else if (args.command === 'down') {
    await clusterDown(args.state_dir, log);
    log('down');
  } else {
    process.stdout.write((await clusterStatus(args.state_dir)).join('\n') + '\n');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`cluster ${args.command}: ${err.message}\n`);
  process.exit(1);
});
