// Throughput (downloads of BYTES, one stream and 8 parallel), connect-plus-first-byte latency (p50/p99) and CPU
// seconds per GB to a server pod, from: a pod (direct, the limit), `kubectl port-forward`, vpn-tcp, inject-tcp, the
// container method, sshuttle; quiet, then again beside a CPU hog (a busy loop) for the paths of issue 17's aims.
// Run: npm run build && npm run bench:throughput (root; starts the cluster and builds images if needed).
// BENCH_VARIANTS / BENCH_HOG_VARIANTS pick paths ('' none); BENCH_RUNS rounds (alternating the paths);
// BENCH_BYTES, BENCH_BULK_RUNS, BENCH_REQUESTS, BENCH_STREAMS sizes; BENCH_HOG_PIN=N pins the hog to CPU N.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { podProcesses, relayProcesses, sessionProcesses, descendants, snapshot, type CpuSnapshot, type ProcessSet, GROUPS } from './cpu.js';
import { ECHO_IMAGE, NETPERF, netperfPod, RUN_TIMEOUT_MS, runClientPod, SIZES, startBench } from './netperf-pods.js';
import { must, parseResult, ROOT, runBounded, runWatched, startUntil } from './procs.js';
import { startSshuttle } from './sshuttle.js';
import { aims, row, sshuttleAim, TABLE_HEAD, type PathRun, type PathRuns } from './throughput-report.js';

const NS = 'tp-bench-tput';
const BYTES = Number(SIZES.BYTES);
const BULK_RUNS = Number(SIZES.BULK_RUNS);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 8);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 1);
// sshuttle-nlc: sshuttle --no-latency-control (no cap on data in flight), for reference; the aims use sshuttle.
const ALL = ['direct', 'port-forward', 'vpn-tcp', 'inject-tcp', 'container', 'sshuttle', 'sshuttle-nlc'] as const;
type Variant = (typeof ALL)[number];
const HOG_DEFAULT: Variant[] = ['port-forward', 'vpn-tcp', 'inject-tcp'];

/** Runs a netperf client (MARKS=1), fixing its process set at its hello and taking CPU snapshots at its marks. */
async function watched(command: string, args: string[], clientEnv: NodeJS.ProcessEnv, dir: string,
  processes: (runner: number, client: number) => ProcessSet): Promise<PathRun> {
  const go = path.join(dir, `go-${Date.now()}`);
  let runner = 0;
  let set: ProcessSet = {};
  const at: Record<string, CpuSnapshot> = {};
  const out = await runWatched(command, args, { ...clientEnv, MARKS: '1', GO_FILE: go }, RUN_TIMEOUT_MS, (pid) => (runner = pid), (line) => {
    const m = /^NETPERF_MARK (hello (\d+)|(bulk|par) (start|end))$/.exec(line.trim());
    if (!m) return;
    if (m[2]) {
      set = processes(runner, Number(m[2]));
      fs.writeFileSync(go, '');
    } else at[`${m[3]} ${m[4]}`] = snapshot(set);
  });
  const result = parseResult(command, out);
  const phase = (name: string, bytes: number): { seconds: CpuSnapshot; bytes: number } | undefined => {
    const [a, b] = [at[`${name} start`], at[`${name} end`]];
    if (!a || !b) return undefined;
    const seconds: CpuSnapshot = {};
    for (const g of GROUPS) if (a[g] !== undefined) seconds[g] = b[g]! - a[g]!;
    return { seconds, bytes };
  };
  const bulk = phase('bulk', BYTES * BULK_RUNS);
  const par = phase('par', Math.floor(BYTES / STREAMS) * STREAMS * BULK_RUNS);
  return { result, cpu: bulk ? { bulk, par } : undefined };
}

async function portForward(env: NodeJS.ProcessEnv, clientEnv: NodeJS.ProcessEnv, dir: string): Promise<PathRun> {
  const pf = await startUntil('kubectl', ['-n', NS, 'port-forward', 'pod/netperf-server', ':9001', ':9002', ':9004'],
    // kubectl prints its ports in order, each for 127.0.0.1 and [::1]: the last port's IPv4 line means all three are there
    // (three lines of any kind could be two ports only, which once failed a run).
    /127\.0\.0\.1:\d+ -> 9004/, env);
  try {
    const port = (remote: number): string => new RegExp(`127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(pf.output())![1];
    return await watched(process.execPath, [NETPERF],
      { ...clientEnv, HOST: '127.0.0.1', BULK_PORT: port(9001), LAT_PORT: port(9002), PAR_PORT: port(9004) }, dir,
      () => ({ kubectl: [pf.proc.pid!], relay: relayProcesses() }));
  } finally {
    await pf.stop();
  }
}

/** The proxy pods of a session: every pod of NS but the server's and sshuttle's. */
const sessionPod = (pod: string): boolean => pod !== 'netperf-server' && !pod.startsWith('sshuttle');

function underTelepresence(method: string, clientEnv: NodeJS.ProcessEnv, dir: string): Promise<PathRun> {
  return watched(path.join(ROOT, 'bin/telepresence'),
    ['--method', method, '--namespace', NS, '--logfile', path.join(dir, `${method}.log`), '--run', process.execPath, NETPERF], clientEnv, dir,
    (launcher, client) => ({ ...sessionProcesses(launcher, client), pod: podProcesses(NS, sessionPod), relay: relayProcesses() }));
}

/** The client in a container of the echo image (it has node), on the container method's network; no CPU figures. */
function inContainer(clientEnv: NodeJS.ProcessEnv, dir: string): Promise<PathRun> {
  const vars = ['NETPERF', 'HOST', 'BYTES', 'REQUESTS', 'BULK_RUNS', 'PAR_STREAMS'].flatMap((k) => ['-e', `${k}=${clientEnv[k] ?? ''}`]);
  return runBounded(path.join(ROOT, 'bin/telepresence'),
    ['--namespace', NS, '--logfile', path.join(dir, 'container.log'), '--mount', 'false', '--docker-run', '--rm', ...vars, '-v', `${path.dirname(NETPERF)}:/netperf:ro`,
      ECHO_IMAGE, 'sh', '-c', `exec node --input-type=module -e "$(cat /netperf/${path.basename(NETPERF)})"`], clientEnv, RUN_TIMEOUT_MS)
    .then((out) => ({ result: parseResult('container', out) }));
}

async function sshuttle(v: Variant, env: NodeJS.ProcessEnv, clientEnv: NodeJS.ProcessEnv, dir: string, subnets: string[]): Promise<PathRun> {
  const s = await startSshuttle(env, NS, `${v}-proxy`, subnets, v === 'sshuttle-nlc' ? ['--no-latency-control'] : []);
  try {
    return await watched(process.execPath, [NETPERF], clientEnv, dir, () => ({
      launcher: descendants([s.pids.sshuttle]).map((p) => p.pid), kubectl: [s.pids.kubectl],
      pod: podProcesses(NS, (pod) => pod === `${v}-proxy`), relay: relayProcesses(),
    }));
  } finally {
    await s.stop();
  }
}

/** A busy loop (one core's worth), pinned to BENCH_HOG_PIN's CPU when set. */
function startHog(): { stop(): void } {
  const pin = process.env.BENCH_HOG_PIN;
  const argv = [process.execPath, '-e', 'for(;;){}'];
  const proc = pin ? spawn('taskset', ['-c', pin, ...argv], { stdio: 'ignore' }) : spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  return { stop: () => void proc.kill('SIGKILL') };
}

const pickedFrom = (name: string, fallback: readonly Variant[]): Variant[] => {
  const v = process.env[name];
  const picked = (v === undefined ? [...fallback] : v.split(',').filter(Boolean)) as Variant[];
  for (const p of picked) if (!ALL.includes(p)) throw new Error(`${name}: unknown variant ${p} (use ${ALL.join(',')})`);
  return picked;
};

/** The bench's tables (quiet, then beside the hog) with their aims; `failed` when a path failed in a round. */
export async function throughputBench(): Promise<{ text: string; failed: boolean }> {
  const { env } = startBench(ALL);
  const quiet = pickedFrom('BENCH_VARIANTS', ALL);
  const hogged = pickedFrom('BENCH_HOG_VARIANTS', HOG_DEFAULT);
  if ([...quiet, ...hogged].some((v) => v.startsWith('sshuttle'))) must('sh', ['test/bench/proxy-python/build.sh']);
  const settings = JSON.parse(fs.readFileSync('/run/tp-cluster/settings.json', 'utf8')) as { podSubnet: string; serviceSubnet: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-tput-'));
  const tables = { quiet: new Map<string, PathRuns>(), hog: new Map<string, PathRuns>() };
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: netperfPod('netperf-server', { NETPERF: 'server', PAR_PORT: '9004' }, 'Always') });
    must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/netperf-server', '--timeout=90s'], { env });
    const host = must('kubectl', ['-n', NS, 'get', 'pod', 'netperf-server', '-o', 'jsonpath={.status.podIP}'], { env }).trim();
    const clientEnv = { ...env, NETPERF: 'client', HOST: host, ...SIZES, PAR_STREAMS: String(STREAMS) };
    const one = (v: Variant): Promise<PathRun> => {
      if (v === 'direct') return runClientPod(env, NS, `netperf-client-${Date.now()}`, { HOST: host, PAR_STREAMS: String(STREAMS) }).then((result) => ({ result }));
      if (v === 'port-forward') return portForward(env, clientEnv, dir);
      if (v === 'vpn-tcp' || v === 'inject-tcp') return underTelepresence(v, clientEnv, dir);
      if (v === 'container') return inContainer(clientEnv, dir);
      return sshuttle(v, env, clientEnv, dir, [settings.podSubnet, settings.serviceSubnet]);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [mode, picked] of [['quiet', quiet], ['hog', hogged]] as const) {
        for (const v of picked) {
          console.error(`bench: round ${round}/${ROUNDS} ${mode} ${v} ... (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
          const runs = tables[mode].get(v) ?? { runs: [] };
          tables[mode].set(v, runs);
          const hog = mode === 'hog' ? startHog() : null;
          try {
            runs.runs.push(await one(v));
          } catch (err) {
            console.error(`bench: ${v} failed: ${(err as Error).message}`);
            runs.failed = `failed: ${(err as Error).message.split('\n')[0].slice(0, 80)}`;
          } finally {
            hog?.stop();
          }
        }
      }
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mb = (BYTES / 1048576).toFixed(0);
  const lines = [
    `throughput: median of ${BULK_RUNS * ROUNDS} downloads of ${mb} MB (${ROUNDS} round(s), the paths alternating); 8 streams: ${STREAMS} ` +
    `downloads of ${mb}/${STREAMS} MB at once (aggregate); latency: connect + 1-byte request + first byte, ${SIZES.REQUESTS} sequential requests; ` +
    'CPU s/GB (user + system) while the single-stream downloads ran: launcher = the telepresence process (sshuttle and its ssh for sshuttle), ' +
    'kubectl = its port-forward, proxy pod = every process of its containers (sshd, the pod\'s SOCKS server), relay = the test cluster\'s ' +
    'API server and node agent (a real cluster\'s kubelet/API server); the client and server ends are left out',
    '', `quiet (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} CPUs)`, TABLE_HEAD,
    ...quiet.map((v) => row(v, tables.quiet.get(v))), ...aims('quiet', tables.quiet), ...sshuttleAim(tables.quiet),
  ];
  if (hogged.length) {
    lines.push('', `beside a CPU hog (one busy loop${process.env.BENCH_HOG_PIN ? ` pinned to CPU ${process.env.BENCH_HOG_PIN}` : ', not pinned'})`, TABLE_HEAD,
      ...hogged.map((v) => row(v, tables.hog.get(v))), ...aims('CPU hog', tables.hog));
  }
  const failed = [...tables.quiet.values(), ...tables.hog.values()].some((p) => p.failed !== undefined);
  return { text: lines.join('\n'), failed };
}

/** For `npm run bench`: the printed tables and aims. */
export async function runThroughputBench(): Promise<string> {
  return (await throughputBench()).text;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  throughputBench().then(({ text, failed }) => {
    console.log(text);
    if (failed) process.exitCode = 1;
  }, (err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
