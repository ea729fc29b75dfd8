// Connect + first byte (issue 17), first connections apart from repeat ones: FIRST each to a ClusterIP:port
// new to the path (one Service with many ports, all to the netperf server's LAT_PORT), REPEAT to one that
// answered just now; for vpn-tcp, inject-tcp, the raw `kubectl port-forward` (one forwarded port: it has no
// per-destination state, so its first and repeat connections are the same kind) and sshuttle.
// Run: npm run build && npm run bench:latency (root; starts the cluster, builds images if needed).
// BENCH_VARIANTS=vpn-tcp,sshuttle picks variants; BENCH_FIRST (ports, default 50), BENCH_REQUESTS (repeats, 200).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { aimLine } from './aims.js';
import type { Figures } from './latency-client.js';
import { netperfPod, RUN_TIMEOUT_MS, startBench } from './netperf-pods.js';
import { must, ROOT, runBounded, startUntil } from './procs.js';
import { startSshuttle } from './sshuttle.js';

const NS = 'tp-bench-lat';
const FIRST = Number(process.env.BENCH_FIRST ?? 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const BASE_PORT = 20000;
const CLIENT = path.join(ROOT, 'dist/test/bench/latency-client.js');
const ALL = ['port-forward', 'vpn-tcp', 'inject-tcp', 'sshuttle'] as const;
type Variant = (typeof ALL)[number];
interface Result { first: Figures; repeat: Figures }

function parse(what: string, out: string): Result {
  const m = /LATENCY_RESULT (\{.*\})/.exec(out);
  if (!m) throw new Error(`${what}: no LATENCY_RESULT line in its output:\n${out.slice(-3000)}`);
  return JSON.parse(m[1]) as Result;
}

/** One Service, ports BASE_PORT..BASE_PORT+FIRST, each to the server's LAT_PORT (9002). */
function service(): string {
  const ports = Array.from({ length: FIRST + 1 }, (_, i) => ({ name: `p${i}`, port: BASE_PORT + i, targetPort: 9002 }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lat' }, spec: { selector: { app: 'netperf-server' }, ports } });
}

async function run(v: Variant, env: NodeJS.ProcessEnv, clusterIp: string, dir: string): Promise<Result> {
  const targets = { FIRST: Array.from({ length: FIRST }, (_, i) => `${clusterIp}:${BASE_PORT + 1 + i}`).join(','), REPEAT: `${clusterIp}:${BASE_PORT}` };
  const clientEnv = { ...env, LATENCY_CLIENT: '1', REQUESTS: String(REQUESTS), ...targets };
  if (v === 'vpn-tcp' || v === 'inject-tcp') {
    return parse(v, await runBounded(path.join(ROOT, 'bin/telepresence'),
      ['--method', v, '--namespace', NS, '--logfile', path.join(dir, `${v}.log`), '--run', process.execPath, CLIENT], clientEnv, RUN_TIMEOUT_MS));
  }
  if (v === 'port-forward') {
    const pf = await startUntil('kubectl', ['-n', NS, 'port-forward', 'pod/netperf-server', ':9002'], /127\.0\.0\.1:\d+ -> 9002/, env);
    try {
      const local = `127.0.0.1:${/127\.0\.0\.1:(\d+) -> 9002/.exec(pf.output())![1]}`;
      return parse(v, await runBounded(process.execPath, [CLIENT], { ...clientEnv, FIRST: Array(FIRST).fill(local).join(','), REPEAT: local }, RUN_TIMEOUT_MS));
    } finally {
      await pf.stop();
    }
  }
  const subnets = JSON.parse(fs.readFileSync('/run/tp-cluster/settings.json', 'utf8')) as { podSubnet: string; serviceSubnet: string };
  const sshuttle = await startSshuttle(env, NS, 'sshuttle-proxy', [subnets.podSubnet, subnets.serviceSubnet]);
  try {
    return parse(v, await runBounded(process.execPath, [CLIENT], clientEnv, RUN_TIMEOUT_MS));
  } finally {
    await sshuttle.stop();
  }
}

const cells = (f: Figures): string => `${f.connectP50.toFixed(2)} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)}`;

/** Runs the variants (BENCH_VARIANTS) and returns the table with its aims, as printed. */
export async function runLatencyBench(): Promise<string> {
  const { picked, env } = startBench(ALL);
  if (picked.includes('sshuttle')) must('sh', ['test/bench/proxy-python/build.sh']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-lat-'));
  const results = new Map<Variant, Result | string>();
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: netperfPod('netperf-server', { NETPERF: 'server' }, 'Always') });
    try {
      must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/netperf-server', '--timeout=90s'], { env });
    } catch (err) {
      console.error(must('kubectl', ['-n', NS, 'describe', 'pod', 'netperf-server'], { env }).slice(-1500));
      throw err;
    }
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: service() });
    const clusterIp = must('kubectl', ['-n', NS, 'get', 'service', 'lat', '-o', 'jsonpath={.spec.clusterIP}'], { env }).trim();
    for (const v of picked) {
      console.error(`bench: ${v} ...`);
      try {
        results.set(v, await run(v, env, clusterIp, dir));
      } catch (err) {
        console.error(`bench: ${v} failed: ${(err as Error).message}`);
        results.set(v, `failed: ${(err as Error).message.split('\n')[0].slice(0, 80)}`);
      }
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `latency: connect + 1-byte request + first byte, sequential; first: ${FIRST} ClusterIP:ports each new to the path; repeat: ${REQUESTS} to one that answered just now (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
    '| path | first: connect p50 ms | first p50 ms | first p99 ms | repeat: connect p50 ms | repeat p50 ms | repeat p99 ms |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const v of picked) {
    const r = results.get(v) ?? 'not run';
    lines.push(typeof r === 'string' ? `| ${v} | ${r} | | | | | |` : `| ${v}${v === 'port-forward' ? ' (one port: every connection alike)' : ''} | ${cells(r.first)} | ${cells(r.repeat)} |`);
  }
  const pf = results.get('port-forward');
  const ssh = results.get('sshuttle');
  for (const m of ['vpn-tcp', 'inject-tcp'] as const) {
    const r = results.get(m);
    if (typeof r !== 'object') continue;
    if (typeof ssh === 'object') lines.push(aimLine(`latency ${m}: repeat p50 no worse than sshuttle's`, r.repeat.p50 <= ssh.repeat.p50, `${r.repeat.p50.toFixed(2)} vs ${ssh.repeat.p50.toFixed(2)} ms`));
    if (typeof pf === 'object') lines.push(aimLine(`latency ${m}: first p50 no worse than the port-forward's`, r.first.p50 <= pf.first.p50, `${r.first.p50.toFixed(2)} vs ${pf.first.p50.toFixed(2)} ms`));
  }
  if ([...results.values()].some((r) => typeof r === 'string')) process.exitCode = 1;
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runLatencyBench().then((table) => console.log(table), (err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
