// The throughput bench's tables and aims: a path's runs merged over the rounds, MB/s, 8-stream MB/s,
// latency and CPU seconds per GB by group, and the `met`/`NOT met` lines of issue 17 (and the sshuttle aim).
import { GROUPS, type CpuSnapshot } from './cpu.js';
import type { NetperfResult } from './procs.js';

/** One run of a path: its client's result and, when its processes were watched, CPU seconds and bytes per phase. */
export interface PathRun {
  result: NetperfResult;
  cpu?: { bulk: { seconds: CpuSnapshot; bytes: number }; par?: { seconds: CpuSnapshot; bytes: number } };
}

/** All the runs of a path (one per round), or why the last one failed. */
export type PathRuns = { runs: PathRun[]; failed?: string };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface Merged {
  mbps: number; rates: number[]; par: number | null; p50: number; p99: number;
  /** CPU s per GB by group (single stream), the total of those measured, and the total with 8 streams. */
  cpu: CpuSnapshot | null; cpuTotal: number | null; parCpuTotal: number | null;
}

function cpuPerGb(phases: { seconds: CpuSnapshot; bytes: number }[]): CpuSnapshot | null {
  if (phases.length === 0) return null;
  const gb = phases.reduce((s, p) => s + p.bytes, 0) / 2 ** 30;
  const out: CpuSnapshot = {};
  for (const g of GROUPS) {
    const seen = phases.filter((p) => p.seconds[g] !== undefined);
    if (seen.length === phases.length) out[g] = seen.reduce((s, p) => s + p.seconds[g]!, 0) / gb;
  }
  return out;
}

const sum = (c: CpuSnapshot | null): number | null => (c ? GROUPS.reduce((s, g) => s + (c[g] ?? 0), 0) : null);

/** Median MB/s over every download of every round; p50 and p99 the medians of the rounds'; CPU over all bytes. */
export function merge(p: PathRuns): Merged | null {
  if (p.runs.length === 0) return null;
  const rates = p.runs.flatMap((r) => r.result.rates);
  const par = p.runs.flatMap((r) => r.result.par?.rates ?? []);
  const cpu = cpuPerGb(p.runs.flatMap((r) => (r.cpu ? [r.cpu.bulk] : [])));
  const parCpu = cpuPerGb(p.runs.flatMap((r) => (r.cpu?.par ? [r.cpu.par] : [])));
  return {
    mbps: median(rates), rates, par: par.length ? median(par) : null,
    p50: median(p.runs.map((r) => r.result.p50)), p99: median(p.runs.map((r) => r.result.p99)),
    cpu, cpuTotal: sum(cpu), parCpuTotal: sum(parCpu),
  };
}

const f1 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));

export const TABLE_HEAD = '| path | MB/s | each run MB/s | 8 streams MB/s | p50 ms | p99 ms | CPU s/GB: launcher | kubectl | proxy pod | relay | total | 8 streams total |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|';

export function row(name: string, p: PathRuns | undefined): string {
  const m = p ? merge(p) : null;
  if (!m) return `| ${name} | ${p?.failed ?? 'not run'} | | | | | | | | | | |`;
  const c = m.cpu ?? {};
  return `| ${name} | ${f1(m.mbps)} | ${m.rates.map((x) => x.toFixed(1)).join(' / ')} | ${f1(m.par)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ` +
    `${f1(c.launcher)} | ${f1(c.kubectl)} | ${f1(c.pod)} | ${f1(c.relay)} | ${f1(m.cpuTotal)} | ${f1(m.parCpuTotal)} |` +
    (p?.failed ? ` (a round failed: ${p.failed})` : '');
}

/** Rounded down, so that a printed 95% is never a missed 95% aim. */
const pct = (ratio: number): string => String(Math.floor(ratio * 100 + 1e-9));

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** Issue 17's three throughput aims against the raw port-forward of the same table. */
export function aims(label: string, paths: Map<string, PathRuns>): string[] {
  const pf = merge(paths.get('port-forward') ?? { runs: [] });
  const lines: string[] = [];
  if (!pf) return [`aims (${label}): port-forward not measured, no ratio`];
  for (const [name, aim] of [['vpn-tcp', 0.95], ['inject-tcp', 0.9]] as const) {
    const m = merge(paths.get(name) ?? { runs: [] });
    if (!m) continue;
    const ratio = m.mbps / pf.mbps;
    lines.push(`aim (${label}): ${name} ${f1(m.mbps)} MB/s = ${pct(ratio)}% of port-forward's ${f1(pf.mbps)} ` +
      `(aim >= ${aim * 100}%): ${verdict(ratio >= aim)}`);
  }
  for (const name of ['vpn-tcp', 'inject-tcp']) {
    const m = merge(paths.get(name) ?? { runs: [] });
    if (!m || m.par === null || pf.par === null) continue;
    lines.push(`aim (${label}): ${name} with 8 streams ${f1(m.par)} MB/s = ${pct(m.par / pf.par)}% of port-forward's ` +
      `${f1(pf.par)} with 8 streams (aim >= 100%): ${verdict(m.par >= pf.par)}`);
  }
  return lines;
}

/** The earlier aim of the bench: vpn-tcp against sshuttle, throughput and p50 latency. */
export function sshuttleAim(paths: Map<string, PathRuns>): string[] {
  const vpn = merge(paths.get('vpn-tcp') ?? { runs: [] });
  const ssh = merge(paths.get('sshuttle') ?? { runs: [] });
  if (!vpn || !ssh) return [];
  const ratio = vpn.mbps / ssh.mbps;
  return [`aim (quiet): vpn-tcp throughput at least 1.5x sshuttle's: ${verdict(ratio >= 1.5)} (${ratio.toFixed(2)}x)`,
    `aim (quiet): vpn-tcp p50 no worse than sshuttle's: ${verdict(vpn.p50 <= ssh.p50)} (${vpn.p50.toFixed(2)} vs ${ssh.p50.toFixed(2)} ms)`];
}
