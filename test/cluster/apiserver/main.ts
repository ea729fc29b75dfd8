// Process entry of the API server (contract 2):
//   node dist/test/cluster/apiserver/main.js --state-dir DIR --port 16443 --service-cidr 10.130.0.0/16
//     --pod-cidr 10.132.0.0/16 [--host 127.0.0.1]
// Prints `ready` and writes DIR/apiserver.ready and DIR/apiserver.pid once it listens. SIGTERM/SIGINT
// write DIR/apiserver.snapshot.json, which the next start restores (`npm run cluster -- restart-apiserver`).
import { rename, rm, writeFile } from 'node:fs/promises';
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
  stateDir: args.state_dir, port: args.port, host: args.host, serviceCidr: args.service_cidr, podCidr: args.pod_cidr, persist: true,
});
if (server.restored) {
  const r = server.restored;
  console.log(`restored ${r.objects} objects and ${r.tokens} issued tokens from the snapshot (written ${r.ageMs} ms ago); resourceVersions go on from ${r.rv}`);
}
await writeFile(join(args.state_dir, 'apiserver.pid'), `${process.pid}\n`);
// Whole or not at all (a temporary file renamed): a reader polling for it must not find it empty.
await writeFile(`${readyFile}.tmp`, `${server.port}\n`);
await rename(`${readyFile}.tmp`, readyFile);
console.log('ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  await rm(readyFile, { force: true });
  await server.close();
  console.log(`${signal}: stopped; the objects are in the snapshot for the next start (${Date.now() - started} ms)`);
  process.exit(0);
}
// One bad request must not take the cluster down: log and keep serving.
process.on('uncaughtException', (err) => console.error('apiserver: uncaught exception:', err));
process.on('unhandledRejection', (err) => console.error('apiserver: unhandled rejection:', err));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
