// Start-up time of a session against the local test cluster: from invoking `telepresence` to the
// user process running (it prints a marker), median of 5, with the phases read from the log.
// Run: npm run bench:startup (root; starts the cluster and builds the proxy image if needed).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function must(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function oneSession(env: NodeJS.ProcessEnv, logfile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(path.join(ROOT, 'bin/telepresence'),
      ['--method', 'inject-tcp', '--namespace', 'tp-bench', '--logfile', logfile, '--run', 'echo', 'user-process-running'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (!seen && d.toString().includes('user-process-running')) seen = Number(process.hrtime.bigint() - started) / 1e9;
    });
    child.on('exit', (code) => (code === 0 && seen ? resolve(seen) : reject(new Error(`session exited ${code}`))));
  });
}

/** Seconds at which the log says each phase ended (the log's own clock). */
function phases(logfile: string): Record<string, number> {
  const marks: Record<string, RegExp> = {
    'cluster found': /context .*, namespace/, 'proxy pod ready': /is ready \(IP/,
    'tunnel + method ready': /Setup complete/,
  };
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync(logfile, 'utf8').split('\n')) {
    for (const [name, re] of Object.entries(marks)) if (re.test(line) && !(name in out)) out[name] = Number(line.trim().split(' ')[0]);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const kubeconfig = must(process.execPath, [path.join(ROOT, 'dist/test/cluster/cli.js'), 'up']).trim().split('\n').pop()!;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  must('sh', ['proxy-pod/build.sh']);
  spawnSync('kubectl', ['create', 'namespace', 'tp-bench'], { env });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
  const totals: number[] = [];
  const rows: string[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const logfile = path.join(dir, `run${i}.log`);
    const total = await oneSession(env, logfile);
    totals.push(total);
    const p = phases(logfile);
    rows.push(`| ${i} | ${total.toFixed(2)} | ${p['cluster found']?.toFixed(1)} | ${p['proxy pod ready']?.toFixed(1)} | ${p['tunnel + method ready']?.toFixed(1)} |`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync('kubectl', ['delete', 'namespace', 'tp-bench', '--wait=false'], { env });
  console.log('start-up: `telepresence --method inject-tcp --run echo` invoked -> user process running (seconds)');
  console.log('| run | total | cluster found | proxy pod ready | tunnel + method ready |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`| median | ${median(totals).toFixed(2)} | | | |`);
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
