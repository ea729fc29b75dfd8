// The VIF with a connector that is the loop of a local cluster: for every dial it connects to the
// same IP:port itself, through the TUN (the cluster routing an unplaceable connection back to this
// workstation, which routes it into the VIF again). Runs inside a test network namespace; speaks JSON
// lines: prints {"ready":...}, then answers "calls", "log" and "teardown".
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { serveVif } from './harness-lines.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { name?: string; dialGuard?: boolean; connectTimeoutMs: number };
const calls: string[] = [];
const log: string[] = [];

function connect(destIp: string, destPort: number): Promise<Duplex> {
  calls.push(`${destIp}:${destPort}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: destIp, port: destPort });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

await serveVif({
  name: config.name, address: '198.18.0.1/16', routes: ['10.130.0.0/16'], connect,
  connectTimeoutMs: config.connectTimeoutMs, dialGuard: config.dialGuard, log: (line) => log.push(line),
}, { calls: () => calls, log: () => log });
