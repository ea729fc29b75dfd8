// The VIF with a connector that is the loop of a local cluster: for every dial it connects to the
// same IP:port itself, through the TUN (the cluster routing an unplaceable connection back to this
// workstation, which routes it into the VIF again). Runs inside a test network namespace; speaks JSON
// lines: prints {"ready":...}, then answers "calls", "log" and "teardown".
import net from 'node:net';
import readline from 'node:readline';
import type { Duplex } from 'node:stream';
import { UndoStack } from '../../../src/session/undo.js';
import { startVif } from '../../../src/vif/index.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { name?: string; dialGuard?: boolean; connectTimeoutMs: number };
const calls: string[] = [];
const log: string[] = [];
const say = (obj: unknown): void => void process.stdout.write(JSON.stringify(obj) + '\n');

function connect(destIp: string, destPort: number): Promise<Duplex> {
  calls.push(`${destIp}:${destPort}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: destIp, port: destPort });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const undo = new UndoStack();
try {
  const vif = await startVif({
    name: config.name, address: '198.18.0.1/16', routes: ['10.130.0.0/16'], connect, undo,
    connectTimeoutMs: config.connectTimeoutMs, dialGuard: config.dialGuard, log: (line) => log.push(line),
  });
  say({ ready: true, name: vif.name, address: vif.address, listenPort: vif.listenPort });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line === 'calls') say(calls);
    else if (line === 'log') say(log);
    else if (line === 'teardown') {
      say({ failures: await undo.unwind() });
      break;
    }
  }
  process.exit(0);
} catch (err) {
  say({ error: (err as Error).message, failures: await undo.unwind() });
  process.exit(1);
}
