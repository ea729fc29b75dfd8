// inject-tcp: only the user process is proxied. torsocks (LD_PRELOAD) sends its TCP connections and
// name look-ups to a SOCKS listener on 127.0.0.1, which carries each one through the SSH tunnel: a
// connection to an address over a channel of its own, names (and look-ups: Tor's extensions for DNS)
// to the proxy pod's SOCKS server.
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../src/deadline.js';
import { POD_SERVICE_HOST } from '../src/protocol/index.js';
import { ClusterError, PlatformError } from '../src/errors.js';
import type { Method, MethodContext, UserProcessLaunch } from './method.js';
import { preloadBypassReason, whichCommand } from './preload-reach.js';
import { socksConnect } from './socks-client.js';
import { socksRelay } from './socks-relay.js';

const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** torsocks' preload library. We set LD_PRELOAD ourselves: the `torsocks` wrapper script takes
 * some first words of a command line as its own subcommands (`torsocks sh -c ...` means `show`). */
export function torsocksLibrary(): string | null {
  const candidates = [
    `/usr/lib/${MULTIARCH[process.arch] ?? ''}/torsocks/libtorsocks.so`,
    '/usr/lib/torsocks/libtorsocks.so', '/usr/local/lib/torsocks/libtorsocks.so',
  ];
  return candidates.find((f) => existsSync(f)) ?? null;
}

/** nslookup, dig, host: they send DNS over UDP themselves, which torsocks does not carry. */
export const STUB_DIR = fileURLToPath(new URL('../../shim/stubs/inject-tcp', import.meta.url));

/** torsocks' configuration: our listener, and local connections/servers left alone. */
export function torsocksConfig(port: number): string {
  return ['TorAddress 127.0.0.1', `TorPort ${port}`, 'AllowInbound 1', 'AllowOutboundLocalhost 1', ''].join('\n');
}

export class InjectTcpMethod implements Method {
  readonly name = 'inject-tcp' as const;
  readonly features = { needsRoot: false, coversWholeHost: false, udp: false, containers: false, routesSubnets: false };
  private configFile = '';
  private warn: (line: string) => void = () => {};
  private log: (line: string) => void = () => {};

  /** A wrong platform is a PlatformError (the one exit code for "not on this platform"). */
  checkSupported(): string | PlatformError | null {
    if (process.platform !== 'linux' && process.platform !== 'darwin') return new PlatformError('inject-tcp', process.platform, ['linux', 'darwin']);
    if (!torsocksLibrary()) return 'inject-tcp needs torsocks (libtorsocks.so was not found): install it, e.g. apt-get install torsocks';
    return null;
  }

  async prepare(ctx: MethodContext): Promise<void> {
    this.warn = ctx.warn;
    this.log = ctx.log;
    const relay = socksRelay({
      open: () => ctx.openPodStream(POD_SERVICE_HOST, ctx.podPorts.socks),
      // A CONNECT to an address: sshd in the pod connects to it, as vpn-tcp's connections are made.
      openDirect: (host, port) => ctx.openPodStream(host, port),
      log: ctx.log,
    });
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(0, '127.0.0.1', resolve);
    });
    ctx.undo.push('close the SOCKS listener', () => new Promise<void>((r) => relay.close(() => r())));
    const port = (relay.address() as net.AddressInfo).port;
    ctx.log(`inject-tcp: SOCKS listener on 127.0.0.1:${port}`);
    this.configFile = path.join(ctx.workDir, 'torsocks.conf');
    writeFileSync(this.configFile, torsocksConfig(port));
    await this.waitReady(port, ctx.readyTimeoutMs);
  }

  /** Telepresence 1's readiness: the cluster's API Service answers through the proxy. */
  private async waitReady(port: number, timeoutMs: number): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let last = '';
    let tries = 0;
    const connected = await pollUntil(async () => {
      tries++;
      try {
        (await socksConnect(port, 'kubernetes.default', 443, Math.max(1000, deadline - Date.now()))).destroy();
        return true;
      } catch (err) {
        last = (err as Error).message;
        return undefined;
      }
    }, { deadline, intervalMs: 200 });
    if (connected) {
      this.log(`inject-tcp: kubernetes.default:443 connected through the pod's SOCKS server in ${Date.now() - started} ms (${tries} tr${tries === 1 ? 'y' : 'ies'})`);
      return;
    }
    throw new ClusterError(`inject-tcp proxy did not connect: kubernetes.default:443 through the pod's SOCKS server: ${last}`);
  }

  wrap(launch: UserProcessLaunch): UserProcessLaunch {
    const library = torsocksLibrary()!;
    const preload = launch.env.LD_PRELOAD ? `${library}:${launch.env.LD_PRELOAD}` : library;
    const env = { ...launch.env, LD_PRELOAD: preload, TORSOCKS_CONF_FILE: this.configFile, PATH: `${STUB_DIR}:${launch.env.PATH ?? ''}` };
    const program = whichCommand(launch.argv[0], env.PATH);
    const reason = program ? preloadBypassReason(program) : null;
    if (reason) {
      this.warn(`Warning: ${launch.argv[0]} (${program}) will not be proxied by inject-tcp: ${reason}, so LD_PRELOAD cannot reach it. Use --method vpn-tcp.`);
    }
    return { argv: [...launch.argv], env };
  }
}
