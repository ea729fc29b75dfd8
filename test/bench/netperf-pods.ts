// netperf.ts's two ends as pods of the echo image (which has node), shared by the throughput and inbound
// benches: a server that stays up and a client that runs once, its result read from its log.
import fs from 'node:fs';
import path from 'node:path';

import { must, parseResult, ROOT, type NetperfResult } from './procs.js';

export const ECHO_IMAGE = 'telepresence-test/echo:dev';
export const NETPERF = path.join(ROOT, 'dist/test/bench/netperf.js');
/** The size knobs every bench reads, as netperf's own variables. */
export const SIZES = {
  BYTES: String(Number(process.env.BENCH_BYTES ?? 100 * 1024 * 1024)),
  REQUESTS: String(Number(process.env.BENCH_REQUESTS ?? 200)),
  BULK_RUNS: String(Number(process.env.BENCH_BULK_RUNS ?? 3)),
};
export const RUN_TIMEOUT_MS = 600_000;

/** A pod running netperf.js's compiled text with node in the mode `vars.NETPERF` says, with SIZES. */
export function netperfPod(name: string, vars: Record<string, string>, restart: 'Always' | 'Never'): string {
  const env = Object.entries({ ...vars, ...SIZES }).map(([n, value]) => ({ name: n, value }));
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: { restartPolicy: restart, containers: [{ name: 'netperf', image: ECHO_IMAGE, imagePullPolicy: 'Never', env,
      command: ['/usr/local/bin/node', '--input-type=module', '-e', fs.readFileSync(NETPERF, 'utf8')],
      ...(restart === 'Always' ? { readinessProbe: { tcpSocket: { port: Number(vars.LAT_PORT ?? 9002) }, periodSeconds: 1 } } : {}) }] },
  });
}

/** Runs a client pod `name` in `namespace` to its end (bounded) and returns its result. */
export async function runClientPod(env: NodeJS.ProcessEnv, namespace: string, name: string, vars: Record<string, string>): Promise<NetperfResult> {
  return parseResult(name, await runPodToEnd(env, namespace, name, netperfPod(name, { NETPERF: 'client', ...vars }, 'Never')));
}

/** Creates the pod (JSON `pod`, named `name`), waits (bounded) until it ends, and returns its log. */
export async function runPodToEnd(env: NodeJS.ProcessEnv, namespace: string, name: string, pod: string): Promise<string> {
  must('kubectl', ['-n', namespace, 'apply', '-f', '-'], { env, input: pod });
  // Poll the pod's phase (bounded) rather than wait for one phase: a failed client must end the wait too.
  for (const deadline = Date.now() + RUN_TIMEOUT_MS; ;) {
    const phase = must('kubectl', ['-n', namespace, 'get', 'pod', name, '-o', 'jsonpath={.status.phase}'], { env });
    if (phase === 'Succeeded' || phase === 'Failed') break;
    if (Date.now() > deadline) throw new Error(`${name}: the client pod is still ${phase} after ${RUN_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return must('kubectl', ['-n', namespace, 'logs', name], { env });
}

/** One table row's cells: the median MB/s, each run's, p50 and p99 (or the reason the variant failed). */
export const formatResult = (r: NetperfResult | string): string =>
  (typeof r === 'string' ? `| ${r} | | | |` : `| ${r.mbps.toFixed(1)} | ${r.rates.map((x) => x.toFixed(1)).join(' / ')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);

/** The variants BENCH_VARIANTS picks (all by default; an unknown one throws), the cluster up, the proxy image built. */
export function startBench<V extends string>(all: readonly V[]): { picked: V[]; env: NodeJS.ProcessEnv } {
  const picked = (process.env.BENCH_VARIANTS?.split(',').filter(Boolean) ?? [...all]) as V[];
  for (const v of picked) if (!all.includes(v)) throw new Error(`BENCH_VARIANTS: unknown variant ${v} (use ${all.join(',')})`);
  const kubeconfig = must(process.execPath, [path.join(ROOT, 'dist/test/cluster/cli.js'), 'up']).trim().split('\n').pop()!;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  must('sh', ['proxy-pod/build.sh']);
  return { picked, env };
}
