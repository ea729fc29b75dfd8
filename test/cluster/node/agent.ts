// The node agent, run inside netns tp-node (`ip netns exec tp-node node dist/test/cluster/node/agent.js`):
// cluster DNS at .10 of the service subnet (in the host-access topology forwarding other names to tp-ws),
// the dial relay DIR/node-dial.sock (contract 7) and the relay from the `kubernetes` ClusterIP :443 to
// DIR/apiserver.sock (contract 9). Data from the apiserver's socket.
import fs from 'node:fs';
import net from 'node:net';

import { clusterAddresses, readHostAccess, readSettings, stateDir, statePaths } from '../state.js';
import { type EndpointsObject, type ServiceObject, serveClusterDns } from './cluster-dns.js';
import { pipeBothWays, serveDialRelay } from './dial.js';
import { Informer } from './informer.js';
import { KubeClient } from './kube-client.js';
import { pollUntil } from './run.js';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} agent: ${line}\n`);
}

function listen(server: net.Server, ...args: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(args as [string]), () => resolve());
  });
}

async function main(): Promise<void> {
  const dirIndex = process.argv.indexOf('--state-dir');
  const dir = dirIndex > 0 ? process.argv[dirIndex + 1]! : stateDir();
  const paths = statePaths(dir);
  const { apiIp, dnsIp } = clusterAddresses(readSettings(dir));

  fs.rmSync(paths.nodeDialSock, { force: true });
  const dial = serveDialRelay(paths.nodeDialSock);
  await new Promise<void>((resolve, reject) => dial.once('listening', resolve).once('error', reject));
  log(`dial relay on ${paths.nodeDialSock}`);

  // TLS passes through untouched: the serving cert names the ClusterIP, so pods verify it.
  const apiRelay = net.createServer((client) => {
    client.pause();
    const upstream = net.connect(paths.apiserverSock, () => pipeBothWays(client, upstream));
    upstream.on('error', () => client.destroy());
  });
  await listen(apiRelay, 443, apiIp);
  log(`API relay on ${apiIp}:443 -> ${paths.apiserverSock}`);

  await pollUntil(`the API server's socket ${paths.apiserverSock}`, 60_000, async () =>
    fs.existsSync(paths.apiserverSock) && fs.existsSync(paths.token) ? true : undefined,
  );
  const client = KubeClient.fromStateDir(dir, 'unix');
  const services = new Informer<ServiceObject>(client, '/api/v1/services', () => {}, log);
  const endpoints = new Informer<EndpointsObject>(client, '/api/v1/endpoints', () => {}, log);
  await pollUntil('the first list of services and endpoints', 60_000, async () => {
    try {
      await Promise.all([services.start(), endpoints.start()]);
      return true;
    } catch (err) {
      log(`waiting for the API server: ${(err as Error).message}`);
      return undefined;
    }
  });
  // One line per question (time, name, type): tests count the cluster DNS's queries (teleproxy sends none).
  const queryLog = fs.createWriteStream(paths.logFile('cluster-dns'), { flags: 'a' });
  await serveClusterDns(dnsIp, 53, {
    service: (ns, name) => services.items.get(`${ns}/${name}`),
    endpoints: (ns, name) => endpoints.items.get(`${ns}/${name}`),
  }, (name, type) => queryLog.write(`${new Date().toISOString()} ${name} ${type}\n`), () => {
    const upstream = readHostAccess(dir)?.dnsUpstream;
    return upstream === undefined ? undefined : { address: upstream, port: 53 };
  });
  log(`cluster DNS on ${dnsIp}:53 (UDP, TCP), queries logged to ${paths.logFile('cluster-dns')}`);
  fs.writeFileSync(`${dir}/node-agent.ready`, `${process.pid}\n`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
