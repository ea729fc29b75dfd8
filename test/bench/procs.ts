// Process helpers of the benches: run to completion, long-running children that are ready when a line of
// their output matches, stopped by their own pid with a bounded wait, and samples of a process's CPU and RSS.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** USER_HZ of /proc/<pid>/stat: 100 on Linux for every architecture this runs on. */
const CLOCK_TICKS = 100;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function must(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const r = spawnSync(command, args, { cwd: ROOT, env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout.slice(-2000)}`);
  return r.stdout;
}

export interface Background {
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` and resolves once `ready` matches its stdout+stderr (so far), or fails at the deadline;
 * `ready` null: once it has started (a command that prints nothing; the caller checks what it serves).
 */
export function startUntil(command: string, args: string[], ready: RegExp | null, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Background> {
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const bg: Background = {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void bg.stop().then(() => reject(new Error(`${command} not ready after ${timeoutMs} ms: ${out.slice(-2000)}`))), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (ready?.test(out)) {
        clearTimeout(timer);
        resolve(bg);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    if (ready === null) {
      proc.once('spawn', () => {
        clearTimeout(timer);
        resolve(bg);
      });
    }
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready: ${out.slice(-2000)}`));
    });
  });
}

/** Runs a command to completion (bounded) and returns its combined output; fails on a non-zero exit. */
export function runBounded(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGINT'), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.slice(0, 4).join(' ')} ended with ${code ?? signal}: ${out.slice(-3000)}`));
    });
  });
}

/**
 * runBounded that also hands each whole line of the output to `onLine` as it comes (the bench samples
 * CPU at the client's marks); `onSpawn` gets the pid first.
 */
export function runWatched(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number,
  onSpawn: (pid: number) => void, onLine: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (proc.pid !== undefined) onSpawn(proc.pid);
    let out = '';
    let partial = '';
    let failed: Error | null = null;
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          onLine(line);
        } catch (err) {
          failed ??= err as Error;
        }
      }
    });
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGINT'), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.slice(0, 4).join(' ')} ended with ${code ?? signal}: ${out.slice(-3000)}`));
    });
  });
}

/** The client's `NETPERF_RESULT {...}` line in `output`. */
export interface NetperfResult {
  bytes: number; mbps: number; rates: number[]; p50: number; p99: number;
  /** The parallel downloads (PAR_STREAMS), when asked for. */
  par?: { streams: number; mbps: number; rates: number[] };
}
export function parseResult(what: string, output: string): NetperfResult {
  const m = /NETPERF_RESULT (\{.*\})/.exec(output);
  if (!m) throw new Error(`${what}: no NETPERF_RESULT line in its output:\n${output.slice(-3000)}`);
  return JSON.parse(m[1]) as NetperfResult;
}

/** One sample of a process: when (ms since the epoch), its CPU seconds so far (user + system) and its RSS in MB. */
export interface ProcSample { at: number; cpu: number; rssMb: number }

/** Samples /proc/<pid> every `everyMs` until it is gone or stop() is called; CPU from /proc/<pid>/stat at 100 ticks/s. */
export function sampleProcess(pid: number, everyMs = 200): { samples: ProcSample[]; stop(): void } {
  const samples: ProcSample[] = [];
  const take = (): void => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on (the name may hold spaces)
      const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) samples.push({ at: Date.now(), cpu, rssMb: Number(rss[1]) / 1024 });
    } catch {
      clearInterval(timer); // the process has ended
    }
  };
  const timer = setInterval(take, everyMs);
  take();
  return { samples, stop: () => { take(); clearInterval(timer); } };
}
