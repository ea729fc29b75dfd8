// `npm run cluster -- up | down | status [--host-access] [--instance N] | restart-apiserver [--instance N]`: the local test cluster's command line.
// `up` prints the kubeconfig path as its last line, so scripts can take it with `tail -1` (with
// --host-access the host's, then the one for programs inside netns tp-ws).
import { ArgumentParser } from 'argparse';

import { restartApiServer } from './apiserver/restart.js';
import { INSTANCE_ENV, parseInstanceName } from './instance.js';
import { parseCidr } from './node/cidr.js';
import { clusterDown, clusterStatus, clusterUp, hostAccessDown } from './node/lifecycle.js';
import { DEFAULT_SETTINGS, stateDir } from './state.js';

const parser = new ArgumentParser({ prog: 'npm run cluster --', description: 'The local test cluster: Kubernetes API, a node running pods on Docker' });
parser.add_argument('command', { choices: ['up', 'down', 'status', 'restart-apiserver'],
  help: 'restart-apiserver: stop the API server and start it again on the same port with the same certs and tokens, keeping every object (the node and its pods carry on)' });
parser.add_argument('--pod-subnet', { default: DEFAULT_SETTINGS.podSubnet, help: 'pods get IPs from here (default %(default)s)' });
parser.add_argument('--service-subnet', { default: DEFAULT_SETTINGS.serviceSubnet, help: 'Services get ClusterIPs from here (default %(default)s)' });
parser.add_argument('--mirror', { help: 'Debian mirror for the base image (default $TP_CLUSTER_MIRROR, else the one apt uses)' });
parser.add_argument('--host-access', { action: 'store_true',
  help: 'up: also the host-access topology (the workstation in netns tp-ws on a host-only link to the node, whose default route and DNS fallback point back at it); down: remove only that topology' });
parser.add_argument('--state-dir', { help: 'state directory (default $TP_CLUSTER_STATE or /run/tp-cluster; instance N: /run/tp-cluster-N)' });
parser.add_argument('--instance', { default: process.env[INSTANCE_ENV] || '1',
  help: 'which cluster: 1 (default) or 2..9, a second cluster beside the first with the same subnets, its own netns tp-node-N, API port 16442+N, context tp-local-N (default $TP_CLUSTER_INSTANCE or %(default)s)' });
const args = parser.parse_args() as { command: 'up' | 'down' | 'status' | 'restart-apiserver'; pod_subnet: string; service_subnet: string; state_dir?: string; mirror?: string; host_access: boolean; instance: string };
// images/build.ts reads the mirror from the environment, where the e2e helper's builds find it too.
if (args.mirror) process.env.TP_CLUSTER_MIRROR = args.mirror;
// One process is one instance (instance.ts): the code below and the daemons `up` starts read it from the environment.
let instanceName = '';
try {
  instanceName = parseInstanceName(args.instance);
} catch (err) {
  parser.error((err as Error).message);
}
if (instanceName) process.env[INSTANCE_ENV] = instanceName;
else delete process.env[INSTANCE_ENV];
const dir = args.state_dir ?? stateDir();

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
    const kubeconfigs = await clusterUp(dir, settings!, log, args.host_access);
    log(`up${args.host_access ? ' (host-access topology)' : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(kubeconfigs.map((k) => `${k}\n`).join(''));
  } else if (args.command === 'restart-apiserver') {
    const t = await restartApiServer(dir, log);
    log(`API server restarted in ${(t.totalMs / 1000).toFixed(2)} s (stop ${(t.stopMs / 1000).toFixed(2)} s, start to /readyz ${(t.startMs / 1000).toFixed(2)} s; pid ${t.oldPid} -> ${t.newPid})`);
  } else if (args.command === 'down' && args.host_access) {
    const started = Date.now();
    await hostAccessDown(dir, log);
    log(`host-access topology down in ${((Date.now() - started) / 1000).toFixed(1)} s (the cluster runs on, plain)`);
  } else if (args.command === 'down') {
    const started = Date.now();
    await clusterDown(dir, log);
    log(`down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    process.stdout.write((await clusterStatus(dir)).join('\n') + '\n');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`cluster ${args.command}: ${err.message}\n`);
  process.exit(1);
});
