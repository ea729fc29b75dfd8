// The proxy pod's program: `serve` (the default) runs SOCKS on 9050 and DNS on 9053 until SIGTERM;
// `podinfo` prints the pod's environment, files and mount points as JSON (run over SSH); `relay` is the
// --proxy-via relay of an ephemeral container in a workload's pod (relay.ts).
import { listenPodDns } from './dns/server.js';
import { nameserverUpstream, systemUpstream } from './dns/upstream.js';
import { externalNameResolver } from './external-resolver.js';
import { collectPodInfo, savePodEnv } from './podinfo.js';
import { systemResolver } from './resolver.js';
import { runRelay } from './relay.js';
import { readSettings } from './settings.js';
import { listenSocks } from './socks/server.js';
import { SOCKS_WIRE_VERSION } from './socks/protocol.js';

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

async function serve(): Promise<void> {
  const settings = readSettings(process.env);
  const envFile = savePodEnv(process.env);
  const external = settings.externalNameserver === null ? undefined : { upstream: nameserverUpstream(settings.externalNameserver), localNames: settings.localNames };
  const socks = await listenSocks({
    host: settings.listenHost,
    port: settings.socksPort,
    resolver: external === undefined ? systemResolver : externalNameResolver(systemResolver, external.upstream, external.localNames),
    onEvent: (e) => log(`socks: ${e.command} ${e.target} -> ${e.reply} ${e.detail}`),
  });
  const dns = await listenPodDns({ host: settings.listenHost, port: settings.dnsPort, resolver: systemResolver, upstream: systemUpstream(), external, log });
  if (external !== undefined) log(`dns, socks: names outside the cluster go to ${settings.externalNameserver} (local cluster)`);
  log(`proxy pod ready: SOCKS (wire v${SOCKS_WIRE_VERSION}) on ${settings.listenHost}:${socks.port}, DNS on ${settings.listenHost}:${dns.udpPort}/udp and :${dns.tcpPort}/tcp; environment saved to ${envFile}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    Promise.all([socks.close(), dns.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// One bad request must not take the pod's servers down: log it and go on.
process.on('unhandledRejection', (reason) => log(`bug: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));

const command = process.argv[2] ?? 'serve';
if (command === 'serve') {
  serve().catch((err: unknown) => {
    log(`proxy pod failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
} else if (command === 'relay') {
  runRelay(process.env, log).catch((err: unknown) => {
    log(`proxy-via relay failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
} else if (command === 'podinfo') {
  process.stdout.write(`${JSON.stringify(collectPodInfo(process.env))}\n`);
} else {
  process.stderr.write(`unknown command ${JSON.stringify(command)}: use "serve" (the default), "podinfo" or "relay"\n`);
  process.exit(2);
}
