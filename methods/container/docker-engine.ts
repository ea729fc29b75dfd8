// The container method's first question: is there a docker CLI, and does its engine answer? The CLI
// finds the engine as it always does (DOCKER_HOST, its context); each way of failing is one line that
// names what is missing and how to get it. Through the one host command runner.
import { HostError } from '../../src/errors.js';
import { lastLine } from '../../src/host/command-line.js';
import { runHostCommand } from '../../src/host/command.js';

/** The engine answers within this long, or the check says it does not. */
const ENGINE_TIMEOUT_MS = 15_000;

/** Pure: the one line for a `docker version` that failed, from its stderr and the engine's address. */
export function engineFailure(stderr: string, engine: string): string {
  const why = lastLine(stderr) || 'no answer';
  if (/permission denied/i.test(stderr)) {
    return `the Docker engine at ${engine} refused this user (${why}): run telepresence as root, or add the user to the docker group`;
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|connection refused|no such file or directory/i.test(stderr)) {
    return `the Docker engine at ${engine} is not running (${why}): start it (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one`;
  }
  return `the Docker engine at ${engine} did not answer 'docker version' (${why})`;
}

/** Where the CLI looks for its engine, for the messages. */
export function engineAddress(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Resolves with the engine's version; a missing CLI or an engine that does not answer is a HostError. */
export async function checkDockerEngine(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await runHostCommand('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: ENGINE_TIMEOUT_MS });
  const version = result.stdout.trim();
  if (result.exitCode !== 0 || !version) throw new HostError(engineFailure(result.stderr, engineAddress(env)), { value: engineAddress(env) });
  return version;
}
