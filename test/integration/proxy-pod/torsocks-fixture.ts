// Runs the real `torsocks curl` against the pod's SOCKS server with a host-table resolver and an
// HTTP server, and reports what curl printed and what the SOCKS server saw. Used in-process and,
// as a script, inside a fresh network namespace (`unshare -n`), where it prints JSON.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listenSocks, type SocksEvent } from '../../../proxy-pod/src/socks/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';

export interface TorsocksRun {
  /** The name curl asks for; the HTTP server's address, which the resolver gives that name. */
  name: string;
  address: string;
  /** Leave the name out of the resolver's table. */
  unknownName?: boolean;
  allowOutboundLocalhost: boolean;
}

export interface TorsocksResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  events: SocksEvent[];
  httpPort: number;
}

export async function runTorsocksCurl(run: TorsocksRun): Promise<TorsocksResult> {
  const web = http.createServer((req, res) => res.end(`hello from ${req.headers.host}${req.url}\n`));
  await new Promise<void>((r) => web.listen(0, run.address, r));
  const httpPort = (web.address() as { port: number }).port;
  const events: SocksEvent[] = [];
  const socks = await listenSocks({
    host: '127.0.0.1',
    port: 0,
    resolver: hostTableResolver(run.unknownName ? {} : { [run.name]: [run.address] }),
    onEvent: (e) => events.push(e),
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-torsocks-'));
  const conf = path.join(dir, 'torsocks.conf');
  fs.writeFileSync(
    conf,
    [`TorAddress 127.0.0.1`, `TorPort ${socks.port}`, 'AllowInbound 1', `AllowOutboundLocalhost ${run.allowOutboundLocalhost ? 1 : 0}`, ''].join('\n'),
  );
  try {
    const r = await execa('torsocks', ['curl', '-sS', '--max-time', '10', `http://${run.name}:${httpPort}/path`], {
      env: { TORSOCKS_CONF_FILE: conf },
      reject: false,
      timeout: 20_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, events, httpPort };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await socks.close();
    web.closeAllConnections();
    await new Promise<void>((r) => web.close(() => r()));
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const run = JSON.parse(process.argv[2]) as TorsocksRun;
  process.stdout.write(JSON.stringify(await runTorsocksCurl(run)));
}
