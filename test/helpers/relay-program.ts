// The pod program's relay mode (--proxy-via) as a process on loopback, for the tests of the relay and of
// its client: started with a secret and an idle time, ready once it prints its port; beside it an echo
// listener on 127.0.0.5 (a loopback address of the relay's network that is not its own).
import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RELAY_ENV } from '../../src/protocol/index.js';
import { waitFor } from './poll.js';

export const RELAY_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proxy-pod/src/main.js');

export type Relay = { process: ResultPromise<{ env: Record<string, string>; reject: false }>; port: number; output: () => string; pidFile: string };

let started = 0;

/** Starts `node proxy-pod relay` on 127.0.0.1 (port 0), its pid file in `dir`; resolves once it prints its ready line. */
export async function startRelay(secret: string, idleSeconds: number, dir: string): Promise<Relay> {
  const pidFile = path.join(dir, `relay-${idleSeconds}-${++started}.pid`);
  const env = { [RELAY_ENV.secret]: secret, [RELAY_ENV.port]: '0', [RELAY_ENV.listenHost]: '127.0.0.1', [RELAY_ENV.idleSeconds]: String(idleSeconds), [RELAY_ENV.pidFile]: pidFile };
  const child = execa(process.execPath, [RELAY_MAIN, 'relay'], { env, reject: false });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const ready = await waitFor('the relay\'s ready line', 5000, () => /proxy-via relay ready: on 127\.0\.0\.1:(\d+) /.exec(output) ?? undefined, 25);
  return { process: child, port: Number(ready[1]), output: () => output, pidFile };
}

export interface RelayRig { dir: string; relay: Relay; echoPort: number }

/**
 * For a describe block: before() makes a temp dir, an echo listener on 127.0.0.5 served by `serve` and a
 * relay with a long idle time; after() ends all three. The fields are set once before() has run.
 */
export function useRelayWithEcho(secret: string, tmpPrefix: string, serve: (s: net.Socket) => void): RelayRig {
  const rig = {} as RelayRig;
  let echo: net.Server | undefined;
  before(async () => {
    rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    const server = net.createServer(serve);
    echo = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.5', r));
    rig.echoPort = (server.address() as net.AddressInfo).port;
    rig.relay = await startRelay(secret, 300, rig.dir);
  });
  after(() => {
    rig.relay?.process.kill('SIGKILL');
    echo?.close();
    if (rig.dir) fs.rmSync(rig.dir, { recursive: true, force: true });
  });
  return rig;
}
