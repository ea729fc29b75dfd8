// The proxy pod's program: `serve` (the default) runs SOCKS on 9050 and DNS on 9053 until SIGTERM;
// `podinfo` prints the pod's environment, files and mount points as JSON (run over SSH); `relay` is the
// --proxy-via relay of an ephemeral container in a workload's pod (relay.ts).
// Each command imports what it runs when it runs (podinfo, which the launcher waits for at every start-up,
// loads one small module: 50-57 ms in the pod instead of 94-99 ms with every server's modules, measured).

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

async function serve(): Promise<void> {
  const [{ listenPodDns }, { nameserverUpstream, systemUpstream }, { externalNameResolver }, { savePodEnv }, { systemResolver }, { readSettings }, { listenSocks }, { SOCKS_WIRE_VERSION }] =
    await Promise.all([import('./dns/server.js'), import('./dns/upstream.js'), import('./external-resolver.js'), import('./podinfo.js'),
      import('./resolver.js'), import('./settings.js'), import('./socks/server.js'), import('./socks/protocol.js')]);
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
  import('./relay.js').then(({ runRelay }) => runRelay(process.env, log)).catch((err: unknown) => {
    log(`proxy-via relay failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
} else if (command === 'podinfo') {
  import('./podinfo.js').then(({ collectPodInfo }) => process.stdout.write(`${JSON.stringify(collectPodInfo(process.env))}\n`)).catch((err: unknown) => {
    process.stderr.write(`podinfo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write(`unknown command ${JSON.stringify(command)}: use "serve" (the default), "podinfo" or "relay"\n`);
  process.exit(2);
}
