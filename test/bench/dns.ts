// DNS look-up latency and rate: 1,000 Services, each name asked once (uncached), then again (cached),
// then 5,000 questions with 32 in flight (queries per second), from: a pod asking the cluster's DNS (the
// limit), vpn-tcp (the workstation's server, cluster names through the pod) and teleproxy (the
// workstation's server, cluster names from the watched table).
// Run: npm run build && npm run bench:dns (root; starts the cluster and builds images if needed), or as part of
// `npm run bench` (all.ts: runDnsBench). Aim: teleproxy's uncached p50 within 1 ms of the cluster's DNS from a pod.
// BENCH_VARIANTS=cluster-dns,teleproxy picks variants; BENCH_DNS_COUNT changes the number of Services.
// With vpn-tcp picked, a second table: curl to a Service (its name looked up through the session's DNS
// server each time) in alternating rounds without and with 2,000 malformed datagrams/s at that server
// (dns-flood-probe.ts); aim: the flooded median within 20% of the quiet one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { echoPod, echoPodService } from '../e2e/helpers/pods.js';
import { aimLine, runIfMain } from './aims.js';
import { ECHO_IMAGE, RUN_TIMEOUT_MS, runPodToEnd, startBench } from './netperf-pods.js';
import { must, ROOT, runBounded } from './procs.js';

const NS = 'tp-bench-dns';
const COUNT = Number(process.env.BENCH_DNS_COUNT ?? 1000);
const DNSPERF = path.join(ROOT, 'dist/test/bench/dnsperf.js');
const FLOOD_PROBE = path.join(ROOT, 'dist/test/bench/dns-flood-probe.js');
/** The flooded curl median may exceed the quiet one by this factor. */
const FLOOD_AIM = 1.2;
const ALL = ['cluster-dns', 'vpn-tcp', 'teleproxy'] as const;
type Variant = (typeof ALL)[number];

interface DnsResult {
  uncached: { p50: number; p99: number };
  cached: { p50: number; p99: number };
  qps: number;
  failed: number;
}

function parse(what: string, output: string): DnsResult {
  const m = /DNSPERF_RESULT (\{.*\})/.exec(output);
  if (!m) throw new Error(`${what}: no DNSPERF_RESULT line in its output:\n${output.slice(-3000)}`);
  return JSON.parse(m[1]!) as DnsResult;
}

function services(): string {
  const items = Array.from({ length: COUNT }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}` },
    spec: { ports: [{ name: 'http', port: 80 }] } }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

async function fromPod(env: NodeJS.ProcessEnv, vars: Record<string, string>): Promise<DnsResult> {
  const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dnsperf' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'dnsperf', image: ECHO_IMAGE, imagePullPolicy: 'Never',
      env: Object.entries(vars).map(([name, value]) => ({ name, value })),
      command: ['/usr/local/bin/node', '--input-type=module', '-e', fs.readFileSync(DNSPERF, 'utf8')] }] } });
  return parse('cluster-dns', await runPodToEnd(env, NS, 'dnsperf', pod));
}

interface FloodResult { quiet: number[]; flooded: number[]; sent: number; answered: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** curl through a vpn-tcp session without and with the flood (60 each way). */
async function floodRun(env: NodeJS.ProcessEnv, dir: string): Promise<FloodResult> {
  must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: JSON.stringify({ apiVersion: 'v1', kind: 'List',
    items: [JSON.parse(echoPod('echo')), JSON.parse(echoPodService('echo'))] }) });
  must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/echo', '--timeout=120s'], { env });
  const out = await runBounded(path.join(ROOT, 'bin/telepresence'), ['--method', 'vpn-tcp', '--namespace', NS, '--logfile', path.join(dir, 'flood.log'),
    '--mount', 'false', '--run', process.execPath, FLOOD_PROBE, 'http://echo:8080', '60'], env, RUN_TIMEOUT_MS);
  return JSON.parse(out.trim().split('\n').pop()!) as FloodResult;
}

/** Teleproxy's uncached p50 may exceed the cluster's own (asked from a pod) by this much. */
const AIM_WITHIN_MS = 1;

/** Runs the bench; returns its table and aim line (a variant that failed sets process.exitCode 1). */
export async function runDnsBench(): Promise<string> {
  const { picked, env } = startBench(ALL);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-dns-'));
  const vars = { COUNT: String(COUNT), NAME: `svc-{i}.${NS}.svc.cluster.local` };
  const results = new Map<Variant, DnsResult | string>();
  let flood: FloodResult | string | undefined;
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: services() });
    for (const v of picked) {
      console.error(`bench: ${v} ...`);
      try {
        if (v === 'cluster-dns') results.set(v, await fromPod(env, vars));
        else {
          const out = await runBounded(path.join(ROOT, 'bin/telepresence'), ['--method', v, '--namespace', NS, '--logfile', path.join(dir, `${v}.log`),
            '--mount', 'false', '--run', process.execPath, DNSPERF], { ...env, ...vars }, RUN_TIMEOUT_MS);
          results.set(v, parse(v, out));
        }
      } catch (err) {
        console.error(`bench: ${v} failed: ${(err as Error).message}`);
        results.set(v, `failed: ${(err as Error).message.split('\n')[0]!.slice(0, 80)}`);
      }
    }
    if (picked.includes('vpn-tcp')) {
      console.error('bench: vpn-tcp under a DNS flood ...');
      flood = await floodRun(env, dir).catch((err: Error) => {
        console.error(`bench: the flood run failed: ${err.message}`);
        return `failed: ${err.message.split('\n')[0]!.slice(0, 80)}`;
      });
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=180s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out: string[] = [];
  out.push(`DNS: ${COUNT} Services; each name once (uncached) and again (cached), sequential; then 5000 questions, 32 in flight`);
  out.push('| path | uncached p50 ms | uncached p99 ms | cached p50 ms | cached p99 ms | questions/s | failed |', '|---|---|---|---|---|---|---|');
  for (const v of picked) {
    const r = results.get(v) ?? 'not run';
    out.push(typeof r === 'string' ? `| ${v} | ${r} | | | | | |`
      : `| ${v} | ${r.uncached.p50.toFixed(2)} | ${r.uncached.p99.toFixed(2)} | ${r.cached.p50.toFixed(2)} | ${r.cached.p99.toFixed(2)} | ${r.qps.toFixed(0)} | ${r.failed} |`);
  }
  const ours = results.get('teleproxy');
  const limit = results.get('cluster-dns');
  if (typeof ours === 'object' && typeof limit === 'object') {
    const over = ours.uncached.p50 - limit.uncached.p50;
    out.push(aimLine(`dns: teleproxy uncached p50 within ${AIM_WITHIN_MS} ms of the cluster's DNS from a pod`, over <= AIM_WITHIN_MS,
      `${ours.uncached.p50.toFixed(2)} vs ${limit.uncached.p50.toFixed(2)} ms, ${over.toFixed(2)} ms more`));
  } else if (picked.includes('teleproxy') && picked.includes('cluster-dns')) {
    out.push(aimLine(`dns: teleproxy uncached p50 within ${AIM_WITHIN_MS} ms of the cluster's DNS from a pod`, false, 'a variant failed'));
  }
  if (flood !== undefined) {
    out.push('', 'vpn-tcp: curl http://echo:8080 (a look-up through the session\'s DNS server each time), 60 quiet and 60 under 2,000 malformed datagrams/s, alternating rounds of 5');
    out.push('| run | curl p50 ms | curl p99 ms | malformed sent | FORMERR back |', '|---|---|---|---|---|');
    if (typeof flood === 'string') {
      out.push(`| flood | ${flood} | | | |`, aimLine(`dns flood: curl median under the flood within ${Math.round((FLOOD_AIM - 1) * 100)}% of quiet`, false, 'the run failed'));
    } else {
      const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;
      out.push(`| quiet | ${median(flood.quiet).toFixed(2)} | ${p99(flood.quiet).toFixed(2)} | | |`,
        `| flooded | ${median(flood.flooded).toFixed(2)} | ${p99(flood.flooded).toFixed(2)} | ${flood.sent} | ${flood.answered} |`);
      const ratio = median(flood.flooded) / median(flood.quiet);
      out.push(aimLine(`dns flood: curl median under the flood within ${Math.round((FLOOD_AIM - 1) * 100)}% of quiet`, ratio <= FLOOD_AIM,
        `${median(flood.flooded).toFixed(2)} vs ${median(flood.quiet).toFixed(2)} ms, ${ratio.toFixed(2)}x`));
    }
  }
  if ([...results.values()].some((r) => typeof r === 'string') || typeof flood === 'string') process.exitCode = 1;
  return `${out.join('\n')}\n`;
}

runIfMain(import.meta.url, runDnsBench);
