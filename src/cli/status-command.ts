// `telepresence status [--json]`: the sessions running on this workstation, read from their journals
// (the same files and the same rule for "dead" as `repair`), changing nothing. Needs no cluster.
import type { Namespace } from 'argparse';
import { defaultDeps } from '../session/deps.js';
import { journalDir, listSessions } from '../session/journal.js';
import type { Io } from './io.js';
import { createParser } from './parser-base.js';
import { formatStatus, statusJson } from './status-output.js';

const DESCRIPTION = `List the telepresence sessions running on this workstation: pid, context, namespace,
method, when it started, what it routes (the CIDRs on its TUN device, the container that
gets them, or - for inject-tcp) and its proxy operation (new, swap or existing Deployment).
Sessions that died and left changes are counted, with the command that repairs them.
Reads the session journals of $XDG_CACHE_HOME/telepresence/sessions; changes nothing.`;

export function parseStatusArgs(argv: string[]): Namespace {
  const parser = createParser({ prog: 'telepresence status', description: DESCRIPTION });
  parser.add_argument('--json', {
    action: 'store_true',
    help: 'Print {sessions: [{sessionId, pid, context, namespace, method, started, routes, container, operation, deployment}], dead: [{..., left}]}.',
  });
  return parser.parse_args(argv);
}

export function runStatus(args: Namespace, io: Io, env: NodeJS.ProcessEnv, now = new Date()): number {
  const sessions = listSessions(journalDir(env));
  if (args.json) {
    io.stdout(`${JSON.stringify(statusJson(sessions), null, 2)}\n`);
    return 0;
  }
  const hostKinds = new Set(defaultDeps(env).hostRepairers.map((r) => r.kind));
  io.stdout(formatStatus(sessions, { now, hostKinds }));
  return 0;
}
