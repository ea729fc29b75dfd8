// Turns the parsed command line into one read-only SessionOptions, after the checks argparse
// cannot express: Telepresence 1's --method container rules, empty --run, the routing flags.
import type { Namespace } from 'argparse';
import { UsageError } from '../errors.js';
import type { DeploymentChoice, MethodName, PortMapping, RunChoice, SessionOptions } from '../config/session-options.js';
import { resolveRoutingFlags } from './routing-flags.js';

export type { DeploymentChoice, RunChoice, SessionOptions };

/** Telepresence 1's default name, `telepresence-<time>-<pid>`, with the dots of the time as dashes. */
export function defaultDeploymentName(nowMs: number, pid: number): string {
  return `telepresence-${nowMs / 1000}-${pid}`.replace(/\./g, '-');
}

function deploymentOf(args: Namespace, nowMs: number, pid: number): DeploymentChoice {
  if (args.swap_deployment) {
    const [name, container] = (args.swap_deployment as string).split(':');
    return { kind: 'swap', name, container: container ?? null };
  }
  if (args.deployment) return { kind: 'existing', name: args.deployment as string };
  return { kind: 'new', name: (args.new_deployment as string | null) ?? defaultDeploymentName(nowMs, pid) };
}

function runOf(args: Namespace): RunChoice {
  const run = args.run as string[] | null;
  const dockerRun = args.docker_run as string[] | null;
  if (run) {
    if (run.length === 0) throw new UsageError("argument --run: expected a command after it, e.g. '--run python3 app.py'");
    return { kind: 'command', argv: run };
  }
  if (dockerRun) {
    if (dockerRun.length === 0) {
      throw new UsageError("argument --docker-run: expected the arguments of 'docker run' after it, e.g. '--docker-run -it nginx'");
    }
    return { kind: 'docker', dockerRunArgs: dockerRun };
  }
  return { kind: 'shell' };
}

/** The checks Telepresence 1 made after parsing, with its texts. */
function methodOf(args: Namespace): MethodName {
  const dockerRun = args.docker_run !== null && args.docker_run !== undefined;
  const method = (args.method as MethodName | null) ?? (dockerRun ? 'container' : 'vpn-tcp');
  if (method === 'container' && !dockerRun) {
    throw new UsageError("'--docker-run' is required when using '--method container'.");
  }
  if (dockerRun && method !== 'container') {
    throw new UsageError("'--method container' is required when using '--docker-run'.");
  }
  if (args.docker_mount && method !== 'container') {
    throw new UsageError("'--method container' is required when using '--docker-mount'.");
  }
  return method;
}

export function resolveSessionOptions(args: Namespace, nowMs = Date.now(), pid = process.pid): SessionOptions {
  const method = methodOf(args);
  const run = runOf(args);
  const dockerMount = (args.docker_mount as string | null) ?? null;
  return Object.freeze({
    method,
    deployment: Object.freeze(deploymentOf(args, nowMs, pid)),
    context: (args.context as string | null) ?? null,
    namespace: (args.namespace as string | null) ?? null,
    serviceAccount: (args.service_account as string | null) ?? null,
    expose: Object.freeze([...(args.expose as PortMapping[])]),
    toPod: Object.freeze([...(args.to_pod as number[])]),
    fromPod: Object.freeze([...(args.from_pod as number[])]),
    containerToHost: Object.freeze([...(args.container_to_host as PortMapping[])]),
    routing: Object.freeze(resolveRoutingFlags(args)),
    localCluster: Boolean(args.local_cluster),
    // With --docker-mount the pod's root is mounted under /tmp here and bound at that path in the container, as in Telepresence 1.
    mount: args.mount as string | boolean,
    dockerMount,
    dockerHost: (args.docker_host as string | null) ?? null,
    envJson: (args.env_json as string | null) ?? null,
    envFile: (args.env_file as string | null) ?? null,
    run: Object.freeze(run),
    logfile: args.logfile as string,
    verbose: Boolean(args.verbose),
    configFile: (args.config as string | null) ?? null,
  });
}
