// Step 7: the user process, with the cluster's environment and the method's wrapping; the session
// ends with its exit code, or with Telepresence 1's lost-connection error when the tunnel goes for good
// first (it could not reconnect within timeouts.reconnect; a host key mismatch ends it with its own line).
import { fileURLToPath } from 'node:url';
import { definedEnvironment } from '../engine/env-files.js';
import { ClusterError } from '../errors.js';
import { tuneGcForTraffic } from './gc-tuning.js';
import { startHeapTrim } from './heap-trim.js';
import { LOST_CONNECTION_MESSAGE } from '../tunnel/ssh.js';
import type { Method } from '../../methods/method.js';
import type { PodConnection, Session } from './session.js';
import { shellLaunch } from './user-process.js';

/** ping and traceroute (not TCP): stubs that say so, first on every user process's PATH. */
const STUB_DIR = fileURLToPath(new URL('../../../shim/stubs/all', import.meta.url));

export async function launchUserProcess(s: Session, method: Method, clusterEnv: Record<string, string>, connection: PodConnection, context: string): Promise<number> {
  const userEnv = { ...definedEnvironment(s.env), ...clusterEnv, PATH: `${STUB_DIR}:${s.env.PATH ?? ''}` };
  const { run } = s.options;
  // --docker-run: `docker run` with the user's arguments; the container method builds the real command line.
  const launch = run.kind === 'command' ? { argv: [...run.argv], env: userEnv }
    : run.kind === 'docker' ? { argv: ['docker', 'run', ...run.dockerRunArgs], env: userEnv }
    : shellLaunch(context, userEnv);
  const userProcess = await s.deps.startUserProcess(method.wrap(launch));
  s.progress('Setup complete. Launching your command.');
  s.signals.forwardTo(userProcess);
  tuneGcForTraffic();
  const stopHeapTrim = startHeapTrim((line) => s.log(line));
  const outcome = await Promise.race([
    userProcess.exited.then((code) => ({ code })),
    connection.lost.then((reason) => ({ lost: reason })),
  ]).finally(stopHeapTrim);
  if ('lost' in outcome) {
    const { lost } = outcome;
    s.log(`connection lost: ${lost instanceof Error ? lost.message : lost}`);
    await userProcess.stop();
    throw lost instanceof Error ? lost : new ClusterError(LOST_CONNECTION_MESSAGE);
  }
  s.log(`user process exited ${outcome.code}`);
  return outcome.code;
}
