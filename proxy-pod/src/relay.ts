// The relay mode (`main.js relay`, --proxy-via): SOCKS behind RFC 1929 auth in a workload pod's network
// namespace, so connections and look-ups happen as that pod's. It exits on SIGTERM (the session's stop)
// and by itself after idleSeconds without an open connection: a session that died leaves no relay running.
import fs from 'node:fs';
import { RELAY_READY_PREFIX, RELAY_SOCKS_USER } from '../../src/protocol/index.js';
import { readRelaySettings } from './relay-settings.js';
import { systemResolver } from './resolver.js';
import { listenSocks } from './socks/server.js';
import { SOCKS_WIRE_VERSION } from './socks/protocol.js';

export async function runRelay(env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  const settings = readRelaySettings(env);
  const socks = await listenSocks({
    host: settings.listenHost,
    port: settings.port,
    resolver: systemResolver,
    auth: { username: RELAY_SOCKS_USER, password: settings.secret },
    onEvent: (e) => log(`socks: ${e.command} ${e.target} -> ${e.reply} ${e.detail}`),
  });
  fs.writeFileSync(settings.pidFile, `${process.pid}\n`);

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log(`relay stopping: ${reason}`);
    fs.rmSync(settings.pidFile, { force: true });
    socks.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };

  // Idle: no open connection (whatever its stage) for idleSeconds, counted from the start too.
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    idle = setTimeout(() => stop(`no connection for ${settings.idleSeconds} s`), settings.idleSeconds * 1000);
  };
  socks.server.on('connection', (s) => {
    open += 1;
    clearTimeout(idle);
    s.on('close', () => {
      open -= 1;
      if (open === 0 && !stopping) armIdle();
    });
  });
  armIdle();

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log(`${RELAY_READY_PREFIX} on ${settings.listenHost}:${socks.port} (SOCKS wire v${SOCKS_WIRE_VERSION}, username/password; RESOLVE and CONNECT as this pod); exits after ${settings.idleSeconds} s without a connection`);
}
