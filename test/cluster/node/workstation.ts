// The host-access topology's workstation daemon, run inside netns tp-ws
// (`ip netns exec tp-ws node dist/test/cluster/node/workstation.js --state-dir DIR`): the API server on
// tp-ws's 127.0.0.1:16443 (a relay to DIR/apiserver.sock: nothing of the host listens beyond loopback),
// tp-ws's resolver before a session (127.0.0.2:53, NXDOMAIN for every name) and the DNS relay on the
// host-only address (VirtualBox's: forwards to whatever tp-ws's resolv.conf names now). Both log each question.
import fs from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';

import dns2 from 'dns2';

import { API_PORT, HOST_ACCESS, stateDir, statePaths } from '../state.js';
import { pipeBothWays } from './dial.js';
import { describeQuestion, firstNameserver, forwardDns } from './dns-forward.js';

const { Packet } = dns2;
const NXDOMAIN = 3;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} workstation: ${line}\n`);
}

function listenTcp(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

async function main(): Promise<void> {
  const dirIndex = process.argv.indexOf('--state-dir');
  const dir = dirIndex > 0 ? process.argv[dirIndex + 1]! : stateDir();
  const paths = statePaths(dir);

  const api = net.createServer((client) => {
    client.pause();
    const upstream = net.connect(paths.apiserverSock, () => pipeBothWays(client, upstream));
    upstream.on('error', () => client.destroy());
  });
  await listenTcp(api, API_PORT, '127.0.0.1');
  log(`API relay on 127.0.0.1:${API_PORT} -> ${paths.apiserverSock}`);

  const resolverLog = fs.createWriteStream(paths.logFile('ws-resolver'), { flags: 'a' });
  const resolver = dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.ra = 1;
      response.header.rcode = NXDOMAIN;
      resolverLog.write(`${new Date().toISOString()} ${describeQuestion(request.toBuffer())}\n`);
      void send(response);
    },
  });
  await resolver.listen({ udp: { port: 53, address: HOST_ACCESS.wsResolver }, tcp: { port: 53, address: HOST_ACCESS.wsResolver } });
  log(`resolver on ${HOST_ACCESS.wsResolver}:53 (NXDOMAIN for every name), questions in ${paths.logFile('ws-resolver')}`);

  // Raw datagrams, as VirtualBox's relay: the asker's id and flags reach the resolver unchanged.
  const relayLog = fs.createWriteStream(paths.logFile('host-dns-relay'), { flags: 'a' });
  const relay = dgram.createSocket('udp4');
  relay.on('message', (msg, from) => {
    let upstream: string | undefined;
    try {
      upstream = firstNameserver(fs.readFileSync(paths.wsResolvConf, 'utf8'));
    } catch {
      upstream = undefined;
    }
    relayLog.write(`${new Date().toISOString()} ${describeQuestion(msg)} from ${from.address} -> ${upstream ?? '(no nameserver)'}\n`);
    if (upstream === undefined) return;
    void forwardDns(msg, upstream).then((reply) => {
      if (reply) relay.send(reply, from.port, from.address);
    });
  });
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    relay.bind(53, HOST_ACCESS.wsAddress, () => resolve());
  });
  log(`DNS relay on ${HOST_ACCESS.wsAddress}:53 -> the nameserver of ${paths.wsResolvConf}, questions in ${paths.logFile('host-dns-relay')}`);

  fs.writeFileSync(`${dir}/host-access.ready`, `${process.pid}\n`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
