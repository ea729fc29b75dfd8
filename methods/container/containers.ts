// The container method's containers carry the label telepresence.io/session=<session id>: the undo and
// the repair of a dead session (journal kind `docker-containers`, written before the first one starts)
// remove exactly those, on the engine the session used.
import type { Repairer } from '../../src/changes.js';
import { runChecked } from '../../src/host/command.js';

export const CONTAINERS_KIND = 'docker-containers';
export const SESSION_CONTAINER_LABEL = 'telepresence.io/session';

export interface ContainersEntry {
  sessionId: string;
  /** DOCKER_HOST of the session ('' for the default engine): its containers are there. */
  dockerHost: string;
}

/** `docker run` flags that mark a container as this session's. */
export function sessionLabelArgs(sessionId: string): string[] {
  return ['--label', `${SESSION_CONTAINER_LABEL}=${sessionId}`];
}

function engineEnv(dockerHost: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (dockerHost) env.DOCKER_HOST = dockerHost;
  else delete env.DOCKER_HOST;
  return env;
}

/** The names of the session's containers, running or not. */
export async function sessionContainers(sessionId: string, dockerHost = ''): Promise<string[]> {
  const out = await runChecked('docker', ['ps', '-a', '--filter', `label=${SESSION_CONTAINER_LABEL}=${sessionId}`, '--format', '{{.Names}}'], { env: engineEnv(dockerHost) });
  return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/** Removes (docker rm -f) every container of the session; resolves with their names. */
export async function removeSessionContainers(sessionId: string, dockerHost = ''): Promise<string[]> {
  const names = await sessionContainers(sessionId, dockerHost);
  if (names.length > 0) await runChecked('docker', ['rm', '-f', ...names], { env: engineEnv(dockerHost) });
  return names;
}

export const containersRepairer: Repairer<ContainersEntry> = {
  kind: CONTAINERS_KIND,
  where: 'host',
  async repair(data, session) {
    const removed = await removeSessionContainers(data.sessionId, data.dockerHost);
    return removed.length ? [`removed the containers of an earlier session (pid ${session.pid}): ${removed.join(', ')}`] : [];
  },
};
