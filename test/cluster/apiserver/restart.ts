// `npm run cluster -- restart-apiserver`: the API server process stopped and started again, as a real
// control plane's kube-apiserver restarts: the same command line (port, certs, token, state directory),
// the objects kept through the snapshot (snapshot.ts). The node's daemons carry on: their watches break,
// they relist, and since every pod keeps its uid nothing is restarted.
import fs from 'node:fs';
import { dirname, join } from 'node:path';

import { type DaemonSpec, daemonPid, startDaemon, stopDaemon } from '../node/daemons.js';
import { KubeClient } from '../node/kube-client.js';
import { statePaths } from '../state.js';
import { snapshotPath } from './snapshot.js';

const APISERVER = { name: 'apiserver', marker: 'apiserver/main.js' } as const;
/** Readiness is polled this often: the restart is on the critical path of the tests that time it. */
const POLL_MS = 20;

export interface RestartTimes {
  /** SIGTERM until the old process was gone (its snapshot written). */
  stopMs: number;
  /** The new process's start until it answered /readyz. */
  startMs: number;
  totalMs: number;
  oldPid: number;
  newPid: number;
}

function argvOf(pid: number): string[] {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (argv.at(-1) === '') argv.pop(); // the line ends with a NUL
  return argv;
}

/** Whether `pid` runs (not a zombie: the new process is our child until we exit). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function poll(what: string | (() => string), timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Restarts the running API server of the cluster in `dir`; throws when none runs or the new one does not come up. */
export async function restartApiServer(dir: string, log: (line: string) => void): Promise<RestartTimes> {
  const paths = statePaths(dir);
  const oldPid = daemonPid(dir, APISERVER);
  if (oldPid === undefined) throw new Error(`no API server runs for ${dir} (${paths.pidFile('apiserver')}); start the cluster with \`npm run cluster -- up\``);
  // Its own command line, so the new process listens where the old one did, whatever `up` gave it.
  const [command, ...args] = argvOf(oldPid);
  const spec: DaemonSpec = { ...APISERVER, command, args };
  // A process of a build from before snapshots would take the objects with it.
  const entry = args.find((a) => a.endsWith(APISERVER.marker));
  if (!entry || !fs.existsSync(join(dirname(entry), 'snapshot.js'))) {
    throw new Error(`the running API server (pid ${oldPid}, ${entry ?? command}) is of a build that keeps no snapshot; restart the cluster from this build: \`npm run cluster -- down\` and \`up\``);
  }
  const readyFile = join(dir, 'apiserver.ready');

  const started = Date.now();
  fs.rmSync(snapshotPath(dir), { force: true });
  await stopDaemon(dir, APISERVER, 10_000);
  const stopped = Date.now();
  if (!fs.existsSync(snapshotPath(dir))) {
    throw new Error(`the API server (pid ${oldPid}) exited without writing ${snapshotPath(dir)} (see ${paths.logFile('apiserver')}); its objects are lost: run \`npm run cluster -- down\` and \`up\``);
  }
  log(`stopped the API server (pid ${oldPid}) in ${((stopped - started) / 1000).toFixed(2)} s; starting it again`);

  fs.rmSync(readyFile, { force: true });
  const newPid = startDaemon(dir, spec);
  await poll(`the API server to listen again (see ${paths.logFile('apiserver')})`, 30_000, async () => {
    // By pid, not by command line: right after the spawn it can still be empty (the exec is under way).
    if (!alive(newPid)) throw new Error(`the restarted API server exited; see ${paths.logFile('apiserver')}`);
    return readyPort(readyFile) > 0;
  });
  const port = readyPort(readyFile);
  const client = new KubeClient({ ca: fs.readFileSync(paths.caCrt, 'utf8'), token: fs.readFileSync(paths.token, 'utf8').trim(), port });
  // What the last try got, for the error: a hang, a refusal or an answer other than ok each say something else.
  let last = 'no answer yet';
  await poll(() => `the API server to answer /readyz on port ${port} (the last try: ${last})`, 30_000, async () => {
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      client.request<string>('GET', '/readyz').catch((err: Error) => `error: ${err.message}`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer within 2 s'), 2000))),
    ]).finally(() => clearTimeout(timer));
    last = String(answer).slice(0, 200);
    return answer === 'ok';
  });
  const ready = Date.now();
  return { stopMs: stopped - started, startMs: ready - stopped, totalMs: ready - started, oldPid, newPid };
}

/** The port in the API server's ready file; 0 while it is absent or not yet whole (a CI run read it empty: port 0). */
function readyPort(file: string): number {
  try {
    const port = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(port) && port > 0 ? port : 0;
  } catch {
    return 0;
  }
}
