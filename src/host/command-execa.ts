// The real host command runner, over execa: a non-zero exit is a result, not an exception; a command
// that is not installed (or cannot start) is a HostError naming it and the Debian package to install.
import { constants } from 'node:os';
import { execa } from 'execa';
import { HostError } from '../errors.js';
import type { CommandExit, CommandOptions, HostCommandRunner, RunningCommand } from './command.js';
import { commandLine } from './command-line.js';

/** Debian packages of the commands the product runs (a path is looked up by its last part). */
const DEBIAN_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  resolvectl: 'systemd-resolved',
  iptables: 'iptables',
  sshfs: 'sshfs',
  fusermount: 'fuse',
  fusermount3: 'fuse3',
  docker: 'docker.io',
  torsocks: 'torsocks',
  pkill: 'procps',
};

/** The next step for a command that is not there. */
export function installHint(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  if (name === 'kubectl') return 'install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH';
  const pkg = DEBIAN_PACKAGES[name];
  if (pkg) return `install the Debian package ${pkg} (apt-get install ${pkg})`;
  return file.includes('/') ? 'check the path' : 'install it, or put it on PATH';
}

interface SpawnFailure {
  code?: string;
  shortMessage?: string;
  timedOut?: boolean;
}

/** Why a command did not run at all, as the HostError the user sees. */
function startError(file: string, args: readonly string[], failure: SpawnFailure): HostError {
  const line = commandLine(file, args);
  if (failure.code === 'ENOENT') return new HostError(`${file}: command not found`, { value: file, hint: installHint(file), cause: failure });
  if (failure.code === 'EACCES') return new HostError(`'${line}' could not start: permission denied`, { value: line, cause: failure });
  const why = (failure.shortMessage ?? String(failure.code)).split('\n').at(-1);
  return new HostError(`'${line}' could not start: ${why}`, { value: line, cause: failure });
}

/** A signal's death as a shell shows it: 128 + the signal's number. */
function exitCodeOf(exitCode: number | undefined, signal: string | undefined): number {
  if (exitCode !== undefined) return exitCode;
  const number = signal ? constants.signals[signal as NodeJS.Signals] : undefined;
  return number ? 128 + number : 1;
}

export const execaRunner: HostCommandRunner = {
  async run(file, args, opts: CommandOptions = {}) {
    const result = await execa(file, [...args], {
      reject: false,
      ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    if (result.timedOut) {
      const line = commandLine(file, args);
      throw new HostError(`'${line}' did not finish within ${(opts.timeoutMs ?? 0) / 1000} s`, { value: line });
    }
    const failure = result as SpawnFailure;
    if (result.exitCode === undefined && result.signal === undefined) throw startError(file, args, failure);
    return { exitCode: exitCodeOf(result.exitCode, result.signal), stdout: result.stdout, stderr: result.stderr };
  },

  async start(file, args, opts = {}) {
    const child = execa(file, [...args], { reject: false, buffer: false, stdin: opts.pipeStdin ? 'pipe' : 'ignore', ...(opts.env ? { env: opts.env } : {}) });
    if (child.pid === undefined) {
      // Not spawned: execa settles with the reason (ENOENT, EACCES) on a later tick.
      throw startError(file, args, (await child) as SpawnFailure);
    }
    const exited: Promise<CommandExit> = child.then(
      (r) => ({ exitCode: r.exitCode ?? null, signal: (r.signal as NodeJS.Signals | undefined) ?? null }),
      () => ({ exitCode: null, signal: null }),
    );
    const running: RunningCommand = {
      pid: child.pid,
      ...(opts.pipeStdin && child.stdin ? { stdin: child.stdin } : {}),
      stdout: child.stdout,
      stderr: child.stderr,
      kill: (signal = 'SIGTERM') => void child.kill(signal),
      exited,
    };
    return running;
  },
};
