// Throughput (median of 3 downloads of 100 MB) and connect-plus-first-byte latency (p50/p99 of 200 requests) to a
// server pod, from: a pod (direct, the limit), `kubectl port-forward`, vpn-tcp, inject-tcp, the container method
// (the client in a container of the echo image), sshuttle.
// Run: npm run build && npm run bench:throughput (root; starts the cluster and builds images if needed).
// BENCH_VARIANTS=direct,sshuttle picks variants; BENCH_BYTES, BENCH_BULK_RUNS, BENCH_REQUESTS change the sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ECHO_IMAGE, formatResult, NETPERF, netperfPod, RUN_TIMEOUT_MS, runClientPod, SIZES, startBench } from './netperf-pods.js';
import { must, parseResult, ROOT, runBounded, startUntil, type NetperfResult } from './procs.js';
import { startSshuttle } from './sshuttle.js';

const NS = 'tp-bench-tput';
const BYTES = Number(SIZES.BYTES);
const REQUESTS = Number(SIZES.REQUESTS);
const BULK_RUNS = Number(SIZES.BULK_RUNS);
// sshuttle-nlc: sshuttle --no-latency-control (no cap on data in flight), for reference; the aims use sshuttle.
const ALL = ['direct', 'port-forward', 'vpn-tcp', 'inject-tcp', 'container', 'sshuttle', 'sshuttle-nlc'] as const;
type Variant = (typeof ALL)[number];

async function portForward(env: NodeJS.ProcessEnv, clientEnv: NodeJS.ProcessEnv): Promise<NetperfResult> {
  const pf = await startUntil('kubectl', ['-n', NS, 'port-forward', 'pod/netperf-server', ':9001', ':9002'],
    /-> 9001[\s\S]*-> 9002|-> 9002[\s\S]*-> 9001/, env);
  try {
    const port = (remote: number): string => new RegExp(`127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(pf.output())![1];
    const out = await runBounded(process.execPath, [NETPERF],
      { ...clientEnv, HOST: '127.0.0.1', BULK_PORT: port(9001), LAT_PORT: port(9002) }, RUN_TIMEOUT_MS);
    return parseResult('port-forward', out);
  } finally {
    await pf.stop();
  }
}

function underTelepresence(method: string, clientEnv: NodeJS.ProcessEnv, logfile: string): Promise<NetperfResult> {
  return runBounded(path.join(ROOT, 'bin/telepresence'),
    ['--method', method, '--namespace', NS, '--logfile', logfile, '--run', process.execPath, NETPERF], clientEnv, RUN_TIMEOUT_MS)
    .then((out) => parseResult(method, out));
}

/** The client in a container of the echo image (it has node), on the container method's network; the compiled client is bound in. */
function inContainer(clientEnv: NodeJS.ProcessEnv, logfile: string): Promise<NetperfResult> {
  const vars = ['NETPERF', 'HOST', 'BYTES', 'REQUESTS', 'BULK_RUNS'].flatMap((k) => ['-e', `${k}=${clientEnv[k] ?? ''}`]);
  return runBounded(path.join(ROOT, 'bin/telepresence'),
    ['--namespace', NS, '--logfile', logfile, '--mount', 'false', '--docker-run', '--rm', ...vars, '-v', `${path.dirname(NETPERF)}:/netperf:ro`,
      ECHO_IMAGE, 'sh', '-c', `exec node --input-type=module -e "$(cat /netperf/${path.basename(NETPERF)})"`], clientEnv, RUN_TIMEOUT_MS)
    .then((out) => parseResult('container', out));
}

async function main(): Promise<void> {
  const { picked, env } = startBench(ALL);
  if (picked.some((v) => v.startsWith('sshuttle'))) must('sh', ['test/bench/proxy-python/build.sh']);
  const subnets = JSON.parse(fs.readFileSync('/run/tp-cluster/settings.json', 'utf8')) as { podSubnet: string; serviceSubnet: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-tput-'));
  const results = new Map<Variant, NetperfResult | string>();
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: netperfPod('netperf-server', { NETPERF: 'server' }, 'Always') });
    must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/netperf-server', '--timeout=90s'], { env });
    const host = must('kubectl', ['-n', NS, 'get', 'pod', 'netperf-server', '-o', 'jsonpath={.status.podIP}'], { env }).trim();
    const clientEnv = { ...env, NETPERF: 'client', HOST: host, BYTES: String(BYTES), REQUESTS: String(REQUESTS), BULK_RUNS: String(BULK_RUNS) };
    for (const v of picked) {
      console.error(`bench: ${v} ...`);
      try {
        if (v === 'direct') results.set(v, await runClientPod(env, NS, 'netperf-client', { HOST: host }));
        else if (v === 'port-forward') results.set(v, await portForward(env, clientEnv));
        else if (v === 'vpn-tcp' || v === 'inject-tcp') results.set(v, await underTelepresence(v, clientEnv, path.join(dir, `${v}.log`)));
        else if (v === 'container') results.set(v, await inContainer(clientEnv, path.join(dir, `${v}.log`)));
        else {
          const sshuttle = await startSshuttle(env, NS, `${v}-proxy`, [subnets.podSubnet, subnets.serviceSubnet],
            v === 'sshuttle-nlc' ? ['--no-latency-control'] : []);
          try {
            results.set(v, parseResult(v, await runBounded(process.execPath, [NETPERF], clientEnv, RUN_TIMEOUT_MS)));
          } finally {
            await sshuttle.stop();
          }
        }
      } catch (err) {
        console.error(`bench: ${v} failed: ${(err as Error).message}`);
        results.set(v, `failed: ${(err as Error).message.split('\n')[0].slice(0, 80)}`);
      }
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`throughput: median of ${BULK_RUNS} downloads of ${(BYTES / 1048576).toFixed(0)} MB; latency: connect + 1-byte request + first byte, ${REQUESTS} sequential requests`);
  console.log('| path | MB/s | each run MB/s | p50 ms | p99 ms |\n|---|---|---|---|---|');
  for (const v of picked) console.log(`| ${v} ${formatResult(results.get(v) ?? 'not run')}`);
  const vpn = results.get('vpn-tcp');
  const ssh = results.get('sshuttle');
  if (typeof vpn === 'object' && typeof ssh === 'object') {
    const ratio = vpn.mbps / ssh.mbps;
    console.log(`aims: vpn-tcp/sshuttle throughput ${ratio.toFixed(2)}x (aim >= 1.5x: ${ratio >= 1.5 ? 'met' : 'NOT met'}); ` +
      `p50 ${vpn.p50.toFixed(2)} ms vs ${ssh.p50.toFixed(2)} ms (aim: no worse: ${vpn.p50 <= ssh.p50 ? 'met' : 'NOT met'})`);
  }
  if ([...results.values()].some((r) => typeof r === 'string')) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
