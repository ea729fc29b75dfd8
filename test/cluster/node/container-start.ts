// Starts a pod's app container from its `docker run -d` arguments. Detached `docker run` clears StdinOnce, so a
// container with stdin and stdinOnce (what `kubectl run -i` asks for) is created with stdin attached, then
// started: its stdin then closes when the first attached client closes it, as kubelet's containers do, and
// the output after that still reaches the attached client.
import type { Container } from './pod-types.js';
import { type RunResult, tryRun } from './run.js';

export async function startAppContainer(runArgs: readonly string[], c: Container): Promise<RunResult> {
  if (!(c.stdin && c.stdinOnce) || runArgs[0] !== 'run' || runArgs[1] !== '-d') return tryRun('docker', runArgs);
  const created = await tryRun('docker', ['create', '-a', 'stdin', ...runArgs.slice(2)]);
  if (created.exitCode !== 0) return created;
  return tryRun('docker', ['start', created.stdout.trim()]);
}
