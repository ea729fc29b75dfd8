// Start-up time of a session against the local test cluster: from invoking `telepresence` to the user process
// running (it prints a marker), per phase (the time each --verbose line reached this process), median of BENCH_RUNS.
// Run: npm run bench:startup (root; starts the cluster and builds the proxy image if needed); runStartupBench() for `npm run bench`.
// BENCH_COMPARE=/other/bin/telepresence alternates runs of that build with this one (A, B, A, B) in the same table.
import { spawn, spawnSync } from 'node:child_process';
import { aimLine } from './aims.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { must, ROOT } from './procs.js';

const NAMESPACE = 'tp-bench-startup';
const SHARED = 'tp-bench-shared';
const MARKER = 'user-process-running';

/** Each phase ends at the first line that matches (in the order of a session's steps); a phase not seen is blank. */
const PHASES: ReadonlyArray<[string, RegExp]> = [
  ['modules loaded', /^\s*[\d.]+ telepresence /],
  ['cluster found', /context .*, namespace .*, server /],
  ['pod created', /Waiting for a pod of Deployment/],
  ['pod Ready', /Pod \S+ is ready \(IP/],
  ['host key read', /SSH host key .* \(pinned\)/],
  ['port-forward up', /port-forward pod\/\S+ listens on 127\.0\.0\.1:/],
  ['SSH up', /SSH connected to pod /],
  ['method ready', /Setup complete/],
];

interface Case { name: string; args: string[]; aim: number; root?: boolean }

export interface StartupRun { total: number; marks: Record<string, number> }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One session: seconds from spawn to each phase's line and to the marker on stdout. */
function oneSession(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<StartupRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const at = () => Number(process.hrtime.bigint() - started) / 1e9;
    const logfile = path.join(os.tmpdir(), `tp-bench-startup-${process.pid}.log`);
    const child = spawn(bin, ['--verbose', '--namespace', NAMESPACE, '--logfile', logfile, ...args, '--run', 'echo', MARKER],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const marks: Record<string, number> = {};
    let total = 0;
    let tail = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { if (!total && d.toString().includes(MARKER)) total = at(); });
    child.stderr.on('data', (d: Buffer) => {
      const now = at();
      err = (err + d.toString()).slice(-4000);
      const lines = (tail + d.toString()).split('\n');
      tail = lines.pop()!;
      for (const line of lines) for (const [name, re] of PHASES) if (!(name in marks) && re.test(line)) marks[name] = now;
    });
    child.on('exit', (code) => (code === 0 && total ? resolve({ total, marks }) : reject(new Error(`session exited ${code}: ${err}`))));
  });
}

function table(title: string, aim: number, runs: Record<string, StartupRun[]>): string {
  const out = [title, `| build | ${PHASES.map(([n]) => n).join(' | ')} | user process started |`, `|---|${PHASES.map(() => '---|').join('')}---|`];
  for (const [build, rs] of Object.entries(runs)) {
    const cells = PHASES.map(([n]) => {
      const xs = rs.map((r) => r.marks[n]).filter((x) => x !== undefined);
      return xs.length ? median(xs).toFixed(2) : '';
    });
    out.push(`| ${build} | ${cells.join(' | ')} | ${median(rs.map((r) => r.total)).toFixed(2)} |`);
    out.push(`| ${build} each run |${PHASES.map(() => ' |').join('')} ${rs.map((r) => r.total.toFixed(2)).join(' / ')} |`);
  }
  for (const [build, rs] of Object.entries(runs)) {
    const m = median(rs.map((r) => r.total));
    out.push(aimLine(`start-up, ${title.split(':')[0]!.replace(/^start-up, /, '')}, ${build}: under ${aim} s`, m < aim, `median ${m.toFixed(2)} s of ${rs.length}`));
  }
  return out.join('\n');
}

function sharedDeployment(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: SHARED },
    spec: {
      replicas: 1, selector: { matchLabels: { app: SHARED } },
      template: {
        metadata: { labels: { app: SHARED } },
        spec: { containers: [{ name: 'telepresence', image, imagePullPolicy: 'IfNotPresent', ports: [{ name: 'ssh', containerPort: 8022 }],
          readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] },
      },
    },
  });
}

/** Every case, BENCH_RUNS (default 5) sessions each; returns the tables it prints. */
export async function runStartupBench(): Promise<string> {
  const runsPerCase = Number(process.env.BENCH_RUNS ?? 5);
  const kubeconfig = must(process.execPath, [path.join(ROOT, 'dist/test/cluster/cli.js'), 'up']).trim().split('\n').pop()!;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  must('sh', [path.join(ROOT, 'proxy-pod/build.sh')]);
  const image = must('sh', [path.join(ROOT, 'proxy-pod/build.sh'), '--print-tag']).trim();
  spawnSync('kubectl', ['create', 'namespace', NAMESPACE], { env });
  must('kubectl', ['apply', '-n', NAMESPACE, '-f', '-'], { env, input: sharedDeployment(image) });
  must('kubectl', ['rollout', 'status', '-n', NAMESPACE, `deployment/${SHARED}`, '--timeout=120s'], { env });
  const builds: Record<string, string> = { this: path.join(ROOT, 'bin/telepresence') };
  if (process.env.BENCH_COMPARE) builds.compare = process.env.BENCH_COMPARE;
  const root = process.getuid?.() === 0;
  const cases: Case[] = [
    { name: 'new proxy Deployment (--method inject-tcp, the default --new-deployment)', args: ['--method', 'inject-tcp'], aim: 1.5 },
    { name: 'new proxy Deployment (--method vpn-tcp)', args: ['--method', 'vpn-tcp'], aim: 1.5, root: true },
    { name: `existing proxy (--deployment ${SHARED} --method inject-tcp)`, args: ['--deployment', SHARED, '--method', 'inject-tcp'], aim: 0.7 },
  ];
  const tables: string[] = [];
  try {
    for (const c of cases) {
      if (c.root && !root) {
        tables.push(`${c.name}: skipped (needs root)`);
        continue;
      }
      const runs: Record<string, StartupRun[]> = Object.fromEntries(Object.keys(builds).map((b) => [b, []]));
      for (let i = 0; i < runsPerCase; i++) {
        for (const [b, bin] of Object.entries(builds)) runs[b].push(await oneSession(bin, c.args, env));
      }
      tables.push(table(`start-up, ${c.name}: seconds from invocation to the end of each phase (median of ${runsPerCase}; load ${os.loadavg()[0].toFixed(2)})`, c.aim, runs));
    }
  } finally {
    spawnSync('kubectl', ['delete', 'namespace', NAMESPACE, '--wait=false'], { env });
  }
  return tables.join('\n\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runStartupBench().then((text) => console.log(text), (err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
