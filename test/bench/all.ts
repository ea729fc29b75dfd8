// `npm run bench`: every bench of the project one after another (each prints its tables with its aims and
// `met`/`NOT met` lines), under a header naming the machine, and a closing summary of all the aim lines.
// Run: npm run build && npm run bench (root; starts the cluster and builds the images it needs).
// BENCH_QUICK=1: a short run (fewer runs, smaller sizes, shorter holds); BENCH_ONLY=scale,dns picks benches.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { aimLine, aimLines } from './aims.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Each bench: its file (beside this one, compiled) and the run function it exports. */
const BENCHES = [
  { name: 'startup', file: 'startup.js', run: 'runStartupBench' },
  { name: 'throughput', file: 'throughput.js', run: 'runThroughputBench' },
  { name: 'latency', file: 'latency.js', run: 'runLatencyBench' },
  { name: 'inbound', file: 'inbound.js', run: 'runInboundBench' },
  { name: 'mount', file: 'mount.js', run: 'runMountBench' },
  { name: 'dns', file: 'dns.js', run: 'runDnsBench' },
  { name: 'scale', file: 'scale.js', run: 'runScaleBench' },
] as const;

/** BENCH_QUICK=1: the benches' own knobs, where not set already (read when each bench file is imported). */
const QUICK: Record<string, string> = {
  BENCH_RUNS: '1', BENCH_BYTES: String(20 * 1024 * 1024), BENCH_BULK_RUNS: '1', BENCH_REQUESTS: '50',
  BENCH_MB: '10', BENCH_FILES: '200', BENCH_DNS_COUNT: '200', HOLD_MS: '3000', HOLD_LAST_MS: '10000',
};

/** The machine the figures come from: a bench's numbers mean little without it. */
export function machineHeader(now = new Date()): string {
  const cpuinfo = readOr('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const kernel = readOr('/proc/sys/kernel/osrelease').trim() || os.release();
  return [
    `machine: ${os.cpus().length} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, kernel ${kernel}, node ${process.version}`,
    `load at start (1/5/15 min): ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${now.toISOString()}${process.env.BENCH_QUICK ? '; BENCH_QUICK=1 (a short run)' : ''}`,
  ].join('\n');
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_QUICK) for (const [k, v] of Object.entries(QUICK)) process.env[k] ??= v;
  const only = process.env.BENCH_ONLY?.split(',');
  for (const n of only ?? []) if (!BENCHES.some((b) => b.name === n)) throw new Error(`BENCH_ONLY: unknown bench ${n} (use ${BENCHES.map((b) => b.name).join(',')})`);
  // Each bench picks its own variants; one value for all of them would name variants another does not have.
  delete process.env.BENCH_VARIANTS;
  console.log(`${machineHeader()}\n`);
  const summary: string[] = [];
  for (const b of BENCHES.filter((x) => !only || only.includes(x.name))) {
    console.log(`## ${b.name} (npm run bench:${b.name})\n`);
    const t0 = Date.now();
    let text: string;
    try {
      text = await runOne(b.file, b.run);
    } catch (err) {
      text = `${aimLine(`${b.name}: the bench ran`, false, (err as Error).message.split('\n')[0]!.slice(0, 200))}\n`;
      process.exitCode = 1;
    }
    process.stdout.write(`${text.trimEnd()}\n(${b.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n\n`);
    summary.push(...aimLines(text));
  }
  const missed = summary.filter((l) => /: NOT met\b/.test(l)).length;
  console.log(`## summary: ${summary.length - missed} of ${summary.length} aims met\n`);
  console.log(summary.join('\n'));
}

/**
 * Imports a bench file and calls its run function. A file that does not export it yet is not imported (a bench
 * file without the export runs itself when imported): its line in the summary says so.
 */
async function runOne(file: string, run: string): Promise<string> {
  const full = path.join(HERE, file);
  if (!fs.existsSync(full)) throw new Error(`${file} is not built (no ${full}): the bench is not on this branch yet`);
  if (!readOr(full).includes(run)) throw new Error(`${file} exports no ${run}() yet: run npm run bench:${path.basename(file, '.js')} alone`);
  const mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  const fn = mod[run];
  if (typeof fn !== 'function') throw new Error(`${file}: ${run} is not a function`);
  return (await (fn as () => Promise<string>)()) ?? '';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
