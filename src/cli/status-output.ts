// What `telepresence status` prints, from the journals: one row per live session (or its JSON), then
// a line for the dead sessions whose changes are still to be repaired, saying which command does it.
import type { SessionRecord } from '../session/journal.js';

export interface SessionState {
  readonly record: SessionRecord;
  readonly alive: boolean;
}

export interface StatusContext {
  readonly now: Date;
  /** The journal kinds repaired on the host: only a session run repairs them, `telepresence repair` the others. */
  readonly hostKinds: ReadonlySet<string>;
}

export const NO_SESSIONS = 'No telepresence sessions on this workstation.';
const HEADERS = ['PID', 'CONTEXT', 'NAMESPACE', 'METHOD', 'STARTED', 'ROUTES', 'OPERATION'];

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The workstation's local time, to the second. */
export function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** 42s, 4m05s, 2h05m, 3d04h: the two largest units. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad2(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d${pad2(Math.floor(s / 3600) % 24)}h`;
}

/** What reaches the cluster through the session: its TUN's CIDRs, the container that has them, or nothing (inject-tcp). */
function routesCell(r: SessionRecord): string {
  if (r.container !== undefined) return `container ${r.container}`;
  return r.routes && r.routes.length > 0 ? r.routes.join(',') : '-';
}

function startedCell(r: SessionRecord, now: Date): string {
  const started = new Date(r.started);
  return Number.isNaN(started.getTime()) ? r.started : `${localTime(started)} (${age(now.getTime() - started.getTime())} ago)`;
}

function row(r: SessionRecord, now: Date): string[] {
  const operation = r.operation ? `${r.operation} ${r.deployment}` : r.deployment;
  return [String(r.pid), r.context, r.namespace, r.method ?? '?', startedCell(r, now), routesCell(r), operation];
}

const byStart = (a: SessionState, b: SessionState) => a.record.started.localeCompare(b.record.started) || a.record.pid - b.record.pid;

/** Dead sessions with something left, by where it is (a session left with both counts in both lines). */
function deadLines(sessions: readonly SessionState[], hostKinds: ReadonlySet<string>): string[] {
  const left = sessions.filter((s) => !s.alive).map((s) => s.record.entries.map((e) => e.kind));
  const cluster = left.filter((kinds) => kinds.some((k) => !hostKinds.has(k))).length;
  const host = left.filter((kinds) => kinds.some((k) => hostKinds.has(k))).length;
  const n = (count: number) => `${count} dead session${count === 1 ? '' : 's'}`;
  const lines: string[] = [];
  if (cluster > 0) lines.push(`${n(cluster)} left changes in the cluster: run \`telepresence repair\``);
  if (host > 0) lines.push(`${n(host)} left changes on this workstation: the next telepresence session repairs them`);
  return lines;
}

export function formatStatus(sessions: readonly SessionState[], ctx: StatusContext): string {
  const live = sessions.filter((s) => s.alive).sort(byStart);
  const lines: string[] = [];
  if (live.length === 0) {
    lines.push(NO_SESSIONS);
  } else {
    const rows = live.map((s) => row(s.record, ctx.now));
    const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
    lines.push(line(HEADERS), ...rows.map(line));
  }
  lines.push(...deadLines(sessions, ctx.hostKinds));
  return `${lines.join('\n')}\n`;
}

/** The same as JSON: the live sessions in full, the dead ones with the kinds of what they left. */
export function statusJson(sessions: readonly SessionState[]): object {
  const sorted = [...sessions].sort(byStart);
  const base = (r: SessionRecord) => ({
    sessionId: r.sessionId, pid: r.pid, context: r.context, namespace: r.namespace, method: r.method ?? null, started: r.started,
  });
  return {
    sessions: sorted.filter((s) => s.alive).map(({ record: r }) => ({
      ...base(r), routes: r.routes ?? [], container: r.container ?? null, operation: r.operation ?? null, deployment: r.deployment,
    })),
    dead: sorted.filter((s) => !s.alive).map(({ record: r }) => ({ ...base(r), left: r.entries.map((e) => e.kind) })),
  };
}
