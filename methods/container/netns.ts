// Which Docker engine the container method talks to, and the sidecar's network namespace on this
// machine: /proc/PID/ns/net of its first process, after checking that the process really is that
// container's (an engine on another machine reports a PID of its own kernel).
import { readFile } from 'node:fs/promises';
import { HostError, UsageError } from '../../src/errors.js';
import { runChecked } from '../../src/host/command.js';
import { engineAddress } from './docker-engine.js';

/**
 * The docker CLI's environment: the session's, with --docker-host as DOCKER_HOST when given. The engine
 * must run its containers on this machine (the VIF joins their namespace), so --docker-host names an
 * engine's address (unix:///..., tcp://127.0.0.1:2375), not a host name as Telepresence 1's did.
 */
export function dockerEngineEnv(env: NodeJS.ProcessEnv, dockerHost: string | null): NodeJS.ProcessEnv {
  if (dockerHost === null) return env;
  if (!/^(unix|tcp|ssh|fd|npipe):\/\//.test(dockerHost)) {
    throw new UsageError(
      `--docker-host ${dockerHost}: name the Docker engine by its address, e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375 ` +
      "(the container method needs an engine on this machine; its containers reach this machine's ports with --container-to-host)",
      { value: dockerHost },
    );
  }
  return { ...env, DOCKER_HOST: dockerHost };
}

/** Pure: whether a /proc/PID/cgroup text belongs to the container with this full id. */
export function cgroupHasContainer(cgroup: string, id: string): boolean {
  return id.length >= 12 && cgroup.includes(id);
}

/** The network namespace file of a running container of this machine's engine. */
export async function containerNetns(id: string, env: NodeJS.ProcessEnv): Promise<string> {
  const [pidText, fullId] = (await runChecked('docker', ['inspect', '--format', '{{.State.Pid}} {{.Id}}', id], { env })).trim().split(' ');
  const pid = Number(pidText);
  const cgroup = Number.isInteger(pid) && pid > 0 ? await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '') : '';
  if (!cgroupHasContainer(cgroup, fullId ?? '')) {
    throw new HostError(
      `the Docker engine at ${engineAddress(env)} does not run its containers on this machine (its container ${id.slice(0, 12)} is not process ${pidText} here): ` +
      "the container method opens the VIF in the container's network namespace; use an engine on this machine (unset DOCKER_HOST), or --method vpn-tcp",
      { value: engineAddress(env) },
    );
  }
  return `/proc/${pid}/ns/net`;
}
