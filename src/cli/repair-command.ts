// `telepresence repair [--namespace NS]`: restores what dead sessions left and changes nothing else —
// the cluster entries of this workstation's dead sessions (their journals), then every Deployment of
// the namespace swapped by a session of any workstation whose Lease expired. Says each repair in a line.
import type { Namespace } from 'argparse';

import type { Config } from '../config/index.js';
import { operationRepairers, repairExpiredSwaps, resolveClusterTarget } from '../kube/index.js';
import { openLog } from '../log.js';
import { journalDir } from '../session/journal.js';
import { repairJournals } from '../session/repair.js';
import type { Io } from './io.js';
import { createParser } from './parser-base.js';

const DESCRIPTION = `Restore what telepresence sessions that died (SIGKILL, a crash, a lost laptop) left behind,
and change nothing else: the cluster objects of this workstation's dead sessions, and every
Deployment of the namespace that a session of any workstation swapped and whose Lease expired.
A Deployment swapped by a live session is never touched.`;

export function parseRepairArgs(argv: string[]): Namespace {
  const parser = createParser({ prog: 'telepresence repair', description: DESCRIPTION });
  parser.add_argument('--context', { help: "The Kubernetes context (default: kubectl's current context)." });
  parser.add_argument('--namespace', { help: "The namespace to repair (default: the context's)." });
  parser.add_argument('--config', { metavar: 'FILE', help: 'Read this config file instead of the default one.' });
  return parser.parse_args(argv);
}

export async function runRepair(args: Namespace, config: Config, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const log = openLog('./telepresence.log', { stderr: io.stderr });
  const target = await resolveClusterTarget({
    context: (args.context as string | null) ?? undefined, namespace: (args.namespace as string | null) ?? undefined,
    timeoutMs: config.timeouts.clusterConnectMs, env,
  });
  const restored: string[] = [];
  const say = (line: string) => { restored.push(line); io.stdout(`${line}\n`); log(line); };
  // Host changes need the session's own privileges and deps: they stay in the journal for the next session run.
  await repairJournals({ progress: say, warn: say, log }, journalDir(env), operationRepairers(target));
  const report = await repairExpiredSwaps(target, log);
  for (const line of report.restored) say(`Repaired: ${line}`);
  for (const line of report.alive) io.stdout(`${line}\n`);
  if (restored.length === 0) io.stdout(`Nothing to repair in namespace ${target.namespace} (context ${target.context})\n`);
  return 0;
}
