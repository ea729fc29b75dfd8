// Process helpers of the throughput bench: run to completion, and long-running children that are
// ready when a line of their output matches, stopped by their own pid with a bounded wait.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The client's `NETPERF_RESULT {...}` line in `output`. */
export interface NetperfResult { bytes: number; mbps: number; rates: number[]; p50: number; p99: number }
export function parseResult(what: string, output: string): NetperfResult {
  const m = /NETPERF_RESULT (\{.*\})/.exec(output);
  if (!m) throw new Error(`${what}: no NETPERF_RESULT line in its output:\n${output.slice(-3000)}`);
  return JSON.parse(m[1]) as NetperfResult;
}
