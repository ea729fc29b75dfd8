// The cluster's daemons (dockerd, apiserver, kubelet, node agent): started detached with a pid file
// and a log in the state directory, recognised by pid + command line, stopped by pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

import { statePaths } from '../state.js';
import { pollUntil } from './run.js';

export interface DaemonSpec {
  readonly name: string; // pid file and log name
  readonly command: string;
  readonly args: readonly string[];
  /** A text the process's command line contains, so a reused pid is not mistaken for the daemon. */
  readonly marker: string;
}

function cmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** The daemon's pid when it runs. */
export function daemonPid(dir: string, spec: Pick<DaemonSpec, 'name' | 'marker'>): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(statePaths(dir).pidFile(spec.name), 'utf8').trim());
  } catch {
    return undefined;
  }
  const line = pid > 0 ? cmdline(pid) : undefined;
  return line?.includes(spec.marker) ? pid : undefined;
}

/**
 * Whether a daemon we just started still runs (not a zombie): by its pid alone, since its command line can
 * read as empty (or the parent's) for a moment after the spawn, which daemonPid's marker check would take for an exit.
 */
export function daemonRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function startDaemon(dir: string, spec: DaemonSpec): number {
  const paths = statePaths(dir);
  const out = fs.openSync(paths.logFile(spec.name), 'a');
  fs.writeSync(out, `--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', out, out], env: process.env });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
  child.unref();
  fs.writeFileSync(paths.pidFile(spec.name), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopDaemon(dir: string, spec: Pick<DaemonSpec, 'name' | 'marker'>, graceMs = 5000): Promise<boolean> {
  const pid = daemonPid(dir, spec);
  fs.rmSync(statePaths(dir).pidFile(spec.name), { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const gone = async () => (cmdline(pid)?.includes(spec.marker) && !isZombie(pid) ? undefined : true);
  try {
    await pollUntil(`${spec.name} (pid ${pid}) to exit`, graceMs, gone);
  } catch {
    process.kill(pid, 'SIGKILL');
    await pollUntil(`${spec.name} (pid ${pid}) to exit after SIGKILL`, 5000, gone);
  }
  return true;
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
