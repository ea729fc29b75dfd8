// CPU accounting of the throughput bench: which processes carry a path's bytes (grouped as launcher,
// kubectl, proxy pod, the test cluster's relay) and their CPU seconds (user + system) at an instant.
import fs from 'node:fs';

import { must } from './procs.js';

/** USER_HZ of /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS = 100;

export const GROUPS = ['launcher', 'kubectl', 'pod', 'relay'] as const;
export type Group = (typeof GROUPS)[number];
/** The pids of each group: fixed when the client says hello, before the bytes move. */
export type ProcessSet = Partial<Record<Group, number[]>>;
export type CpuSnapshot = Partial<Record<Group, number>>;

/** CPU seconds of one live process (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Every live pid with its parent and command name. */
function processTable(): { pid: number; ppid: number; comm: string }[] {
  const rows: { pid: number; ppid: number; comm: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      rows.push({ pid: Number(name), ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return rows;
}

/** `roots` and all their descendants, less `excluded` and its descendants. */
export function descendants(roots: number[], excluded: number[] = []): { pid: number; comm: string }[] {
  const table = processTable();
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const r of table) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r]);
  const out: { pid: number; comm: string }[] = [];
  const walk = (p: { pid: number; comm: string }): void => {
    if (excluded.includes(p.pid)) return;
    out.push(p);
    for (const c of children.get(p.pid) ?? []) walk(c);
  };
  for (const pid of roots) walk(table.find((r) => r.pid === pid) ?? { pid, comm: '?' });
  return out;
}

/** The host pids (with descendants) of the containers of the pods in `namespace` that `pick` names (docker names them tp_NS_POD_CONTAINER). */
export function podProcesses(namespace: string, pick: (pod: string) => boolean): number[] {
  const names = must('docker', ['ps', '--filter', `name=^tp_${namespace}_`, '--format', '{{.Names}}']).split('\n').filter(Boolean)
    .filter((n) => pick(n.split('_')[2] ?? ''));
  if (names.length === 0) return [];
  const pids = must('docker', ['inspect', '-f', '{{.State.Pid}}', ...names]).split('\n').filter(Boolean).map(Number);
  return descendants(pids.filter((p) => p > 0)).map((p) => p.pid);
}

/** The test cluster's port-forward relay: its API server (the SPDY/WebSocket end) and its node agent (the dial). */
export function relayProcesses(): number[] {
  return ['apiserver', 'node-agent'].map((n) => Number(fs.readFileSync(`/run/tp-cluster/${n}.pid`, 'utf8').trim())).filter((p) => p > 0);
}

/** A telepresence session's side: the launcher itself, and the kubectl among its descendants (the client left out). */
export function sessionProcesses(launcher: number, client: number): ProcessSet {
  const tree = descendants([launcher], [client]);
  return {
    launcher: tree.filter((p) => p.comm !== 'kubectl').map((p) => p.pid),
    kubectl: tree.filter((p) => p.comm === 'kubectl').map((p) => p.pid),
  };
}

export function snapshot(set: ProcessSet): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const g of GROUPS) if (set[g]) out[g] = set[g]!.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  return out;
}

/** CPU seconds per GB (2^30 bytes) moved, per group, between two snapshots. */
export function perGb(before: CpuSnapshot, after: CpuSnapshot, bytes: number): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const g of GROUPS) if (before[g] !== undefined && after[g] !== undefined) out[g] = (after[g]! - before[g]!) / (bytes / 2 ** 30);
  return out;
}
