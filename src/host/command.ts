// The one host command runner: every external command of the product (ip, resolvectl, kubectl; later
// iptables, sshfs, fusermount, docker) goes through here, so each is logged and unit tests can fake it.
import { HostError } from '../errors.js';
import type { Log } from '../log.js';
import { execaRunner } from './command-execa.js';
import { commandLine, lastLine } from './command-line.js';

export { commandLine } from './command-line.js';

export interface CommandOptions {
  /** Text for the command's stdin; without it stdin is closed. */
  input?: string;
  /** The whole environment of the command (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** Longer than this: the command is killed and a HostError says so. */
  timeoutMs?: number;
}

/** How a long-running command starts. */
export interface StartOptions extends Pick<CommandOptions, 'env'> {
  /** A pipe for its stdin (sshfs in passive mode speaks sftp on stdin/stdout); default: ignored. */
  pipeStdin?: boolean;
}

export interface CommandResult {
  /** The command's exit code; 128 + N when signal N killed it. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running command (kubectl port-forward). Read its streams at once: they are not buffered. */
export interface RunningCommand {
  readonly pid: number;
  /** Only with StartOptions.pipeStdin. */
  readonly stdin?: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  kill(signal?: NodeJS.Signals): void;
  /** Settles once the command has exited; never rejects. */
  readonly exited: Promise<CommandExit>;
}

export interface HostCommandRunner {
  /** Runs to the end; a non-zero exit is a result. Not installed or not startable: a HostError. */
  run(file: string, args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Starts and returns once it runs (its pid is known). Not installed: a HostError. */
  start(file: string, args: readonly string[], opts?: StartOptions): Promise<RunningCommand>;
}

let current: HostCommandRunner = execaRunner;
let commandLog: Log = () => {};

/** Unit tests put a fake in place; returns the restore. */
export function setHostCommandRunner(runner: HostCommandRunner): () => void {
  const previous = current;
  current = runner;
  return () => void (current = previous);
}

/** The session's log gets every command line and its outcome; default: no log. Returns the restore. */
export function setCommandLog(log: Log | null): () => void {
  const previous = commandLog;
  commandLog = log ?? (() => {});
  return () => void (commandLog = previous);
}

function outcome(exit: string, ms: number, stderr: string): string {
  const tail = lastLine(stderr);
  return `${exit} in ${ms} ms${tail ? `; stderr: ${tail}` : ''}`;
}

export async function runHostCommand(file: string, args: readonly string[], opts?: CommandOptions): Promise<CommandResult> {
  const line = commandLine(file, args);
  const t0 = Date.now();
  try {
    const result = await current.run(file, args, opts);
    commandLog(`command: ${line} -> ${outcome(`exit ${result.exitCode}`, Date.now() - t0, result.stderr)}`);
    return result;
  } catch (err) {
    commandLog(`command: ${line} -> failed in ${Date.now() - t0} ms: ${(err as Error).message}`);
    throw err;
  }
}

/** Runs and returns stdout; a non-zero exit is a HostError `'LINE' failed: STDERR`. */
export async function runChecked(file: string, args: readonly string[], opts?: CommandOptions): Promise<string> {
  const result = await runHostCommand(file, args, opts);
  if (result.exitCode !== 0) {
    const line = commandLine(file, args);
    const detail = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
    throw new HostError(`'${line}' failed: ${detail}`, { value: line });
  }
  return result.stdout;
}

export async function startHostCommand(file: string, args: readonly string[], opts?: StartOptions): Promise<RunningCommand> {
  const line = commandLine(file, args);
  const t0 = Date.now();
  let child: RunningCommand;
  try {
    child = await current.start(file, args, opts);
  } catch (err) {
    commandLog(`command: ${line} -> failed in ${Date.now() - t0} ms: ${(err as Error).message}`);
    throw err;
  }
  commandLog(`command: ${line} -> started, pid ${child.pid}`);
  let stderr = '';
  child.stderr.on('data', (d: Buffer | string) => { stderr = (stderr + d.toString()).slice(-4000); });
  void child.exited.then(({ exitCode, signal }) => {
    const exit = signal ? `killed by ${signal}` : `exit ${exitCode}`;
    commandLog(`command: ${line} (pid ${child.pid}) -> ${outcome(exit, Date.now() - t0, stderr)}`);
  });
  return child;
}
