// Process entry of the API server (contract 2):
//   node dist/test/cluster/apiserver/main.js --state-dir DIR --port 16443 --service-cidr 10.130.0.0/16
//     --pod-cidr 10.132.0.0/16 [--host 127.0.0.1]
// Prints `ready` and writes DIR/apiserver.ready and DIR/apiserver.pid once it listens.
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentParser } from 'argparse';
import { startApiServer } from './index.js';

const parser = new ArgumentParser({ prog: 'apiserver', description: 'The local test cluster\'s Kubernetes API server' });
parser.add_argument('--state-dir', { default: process.env.TP_CLUSTER_STATE ?? '/run/tp-cluster' });
parser.add_argument('--port', { type: 'int', default: 16443 });
parser.add_argument('--host', { default: '127.0.0.1' });
parser.add_argument('--service-cidr', { default: '10.130.0.0/16' });
parser.add_argument('--pod-cidr', { default: '10.132.0.0/16' });
const args = parser.parse_args() as { state_dir: string; port: number; host: string; service_cidr: string; pod_cidr: string };

const readyFile = join(args.state_dir, 'apiserver.ready');
await rm(readyFile, { force: true });
const server = await startApiServer({
  stateDir: args.state_dir, port: args.port, host: args.host, serviceCidr: args.service_cidr, podCidr: args.pod_cidr,
});
await writeFile(join(args.state_dir, 'apiserver.pid'), `${process.pid}\n`);
await writeFile(readyFile, `${server.port}\n`);
console.log('ready');

async function shutdown(): Promise<void> {
  await rm(readyFile, { force: true });
  await server.close();
  process.exit(0);
}
// One bad request must not take the cluster down: log and keep serving.
process.on('uncaughtException', (err) => console.error('apiserver: uncaught exception:', err));
process.on('unhandledRejection', (err) => console.error('apiserver: unhandled rejection:', err));
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
