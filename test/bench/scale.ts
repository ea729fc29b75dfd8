// Scale: 1, 10, 100 and 1,000 concurrent connections through vpn-tcp and inject-tcp to an echo Service, each
// moving CHUNK bytes and back every INTERVAL_MS (scale-client.ts, the session's user process), with the
// launcher's CPU and RSS sampled from /proc during each step and while idle before and after.
// Run: npm run build && npm run bench:scale (root; starts the cluster and builds the proxy image if needed),
// or as part of `npm run bench` (all.ts: runScaleBench).
// BENCH_VARIANTS=vpn-tcp picks methods; STEPS, HOLD_MS (10 s), HOLD_LAST_MS (30 s, the last step),
// INTERVAL_MS, CHUNK change the load (read by the client).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { aimLine, runIfMain } from './aims.js';
import { netperfPod, startBench } from './netperf-pods.js';
import { must, ROOT, sampleProcess, type ProcSample } from './procs.js';
import type { StepResult } from './scale-client.js';

const NS = 'tp-bench-scale';
const ALL = ['vpn-tcp', 'inject-tcp'] as const;
const CLIENT = path.join(ROOT, 'dist/test/bench/scale-client.js');
const AIMS = { idleMb: 80, peakMb: 150, failuresAtLast: 0 };

/** A line of the client's, with the bench's clock and the machine's 1-minute load average when it came. */
interface Mark { event: string; count: number; at: number; load: number }
interface MethodRun { steps: StepResult[]; marks: Mark[]; samples: ProcSample[]; hwmMb: number }

/** One session running the client; the launcher (bin/telepresence execs node: the same pid) sampled throughout. */
function runMethod(method: string, env: NodeJS.ProcessEnv, logfile: string): Promise<MethodRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin/telepresence'), ['--method', method, '--namespace', NS, '--logfile', logfile,
      '--run', process.execPath, CLIENT], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = sampleProcess(child.pid!, 200);
    const marks: Mark[] = [];
    const steps: StepResult[] = [];
    let hwmMb = 0;
    let out = '';
    let pending = '';
    const hwm = setInterval(() => {
      const m = /VmHWM:\s+(\d+) kB/.exec(readOr(`/proc/${child.pid}/status`));
      if (m) hwmMb = Number(m[1]) / 1024;
    }, 1000);
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        out += `${line}\n`;
        const m = /^SCALE_MARK (\S+) (\d+)/.exec(line);
        if (m) marks.push({ event: m[1], count: Number(m[2]), at: Date.now(), load: os.loadavg()[0] });
        const r = /^SCALE_RESULT (\{.*\})/.exec(line);
        if (r) steps.push(JSON.parse(r[1]) as StepResult);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), 900_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(hwm);
      sampler.stop();
      if (code === 0) resolve({ steps, marks, samples: sampler.samples, hwmMb });
      else reject(new Error(`${method}: the session ended with ${code ?? signal}: ${out.slice(-3000)}`));
    });
  });
}

const readOr = (file: string): string => { try { return fs.readFileSync(file, 'utf8'); } catch { return ''; } };

/** The samples between two marks (by the bench's clock). */
function window(run: MethodRun, from: Mark | undefined, to: Mark | undefined): ProcSample[] {
  if (!from || !to) return [];
  return run.samples.filter((s) => s.at >= from.at && s.at <= to.at);
}
const markOf = (run: MethodRun, event: string, count: number): Mark | undefined => run.marks.find((m) => m.event === event && m.count === count);
const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function rows(method: string, run: MethodRun): { lines: string[]; idle: number; peakLast: number; failuresLast: number } {
  const lines: string[] = [];
  const idleBefore = window(run, markOf(run, 'idle', 0), markOf(run, 'open', run.steps[0]?.count ?? 1));
  const idleAfter = window(run, markOf(run, 'idle-after', 0), markOf(run, 'end', 0));
  const idle = idleBefore.length ? idleBefore[idleBefore.length - 1].rssMb : NaN;
  let peakLast = NaN;
  let failuresLast = NaN;
  for (const s of run.steps) {
    const w = window(run, markOf(run, 'open', s.count), markOf(run, 'closed', s.count));
    const cpu = w.length > 1 ? w[w.length - 1].cpu - w[0].cpu : NaN;
    const peak = Math.max(...w.map((x) => x.rssMb));
    const hold = window(run, markOf(run, 'hold', s.count), markOf(run, 'close', s.count));
    const rssHold = hold.length ? hold[hold.length - 1].rssMb : NaN;
    peakLast = peak;
    failuresLast = s.failures;
    const why = s.failures ? ` (${s.reasons.join('; ')})` : '';
    lines.push(`| ${method} | ${s.count} | ${f(s.openSeconds, 2)} | ${f(s.roundTrips / s.holdSeconds, 0)} | ${f(s.bytes / s.holdSeconds / 1024, 0)} | ` +
      `${f(s.p50, 2)} | ${f(s.p99, 2)} | ${s.failures}${why} | ${f(cpu, 2)} | ${f(peak)} | ${f(rssHold)} | ${f(markOf(run, 'close', s.count)?.load ?? NaN, 2)} |`);
  }
  const after = idleAfter.length ? idleAfter[idleAfter.length - 1].rssMb : NaN;
  lines.push(`| ${method} | idle | | | | | | | | before ${f(idle)}, after ${f(after)} | peak of the run (VmHWM) ${f(run.hwmMb)} | |`);
  return { lines, idle, peakLast, failuresLast };
}

/** Runs the bench; returns its table and aim lines (a method whose session failed sets process.exitCode 1). */
export async function runScaleBench(): Promise<string> {
  const { picked, env } = startBench(ALL);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-scale-'));
  const runs = new Map<string, MethodRun | string>();
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: netperfPod('scale-echo', { NETPERF: 'server' }, 'Always') });
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'scale-echo' },
      spec: { selector: { app: 'scale-echo' }, ports: [{ name: 'echo', port: 9003, targetPort: 9003 }] } }) });
    must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/scale-echo', '--timeout=90s'], { env });
    const host = must('kubectl', ['-n', NS, 'get', 'service', 'scale-echo', '-o', 'jsonpath={.spec.clusterIP}'], { env }).trim();
    for (const m of picked) {
      console.error(`bench: ${m} ... (load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
      try {
        runs.set(m, await runMethod(m, { ...env, HOST: host, PORT: '9003' }, path.join(dir, `${m}.log`)));
      } catch (err) {
        console.error(`bench: ${m} failed: ${(err as Error).message}`);
        runs.set(m, `failed: ${(err as Error).message.split('\n')[0].slice(0, 100)}`);
      }
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return table(picked, runs);
}

function table(picked: readonly string[], runs: Map<string, MethodRun | string>): string {
  const env = process.env;
  const out: string[] = [];
  out.push(`scale: each connection sends ${env.CHUNK ?? 256} bytes every ${env.INTERVAL_MS ?? 250} ms and waits for the echo; held ` +
    `${Number(env.HOLD_MS ?? 10_000) / 1000} s per step, ${Number(env.HOLD_LAST_MS ?? 30_000) / 1000} s at the last; launcher = the telepresence node process`);
  out.push('| method | connections | all open s | round trips/s | KB/s echoed | p50 ms | p99 ms | failures | launcher CPU s | RSS peak MB | RSS at end of hold MB | load (1 min) |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of picked) {
    const run = runs.get(m);
    if (typeof run !== 'object') {
      out.push(`| ${m} | ${run ?? 'not run'} | | | | | | | | | | |`);
      out.push(aimLine(`scale ${m}: the session ran`, false, run ?? 'not run'));
      continue;
    }
    const r = rows(m, run);
    out.push(...r.lines);
    const last = run.steps[run.steps.length - 1];
    const at = `${last?.count ?? 0} connections held ${f(last?.holdSeconds ?? NaN)} s`;
    out.push(aimLine(`scale ${m}: 0 failures at ${at}`, r.failuresLast === AIMS.failuresAtLast, `${r.failuresLast} failures`));
    out.push(aimLine(`scale ${m}: launcher RSS idle under ${AIMS.idleMb} MB`, r.idle < AIMS.idleMb, `${f(r.idle)} MB`));
    out.push(aimLine(`scale ${m}: launcher RSS under ${AIMS.peakMb} MB at ${at}`, r.peakLast < AIMS.peakMb, `peak ${f(r.peakLast)} MB`));
  }
  if ([...runs.values()].some((r) => typeof r === 'string')) process.exitCode = 1;
  return `${out.join('\n')}\n`;
}

runIfMain(import.meta.url, runScaleBench);
