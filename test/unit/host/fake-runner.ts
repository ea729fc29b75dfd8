// A fake host command runner for unit tests: records each command line, answers from a script, and
// starts fake long-running commands whose streams and exit the test drives.
import { PassThrough } from 'node:stream';
import type { CommandExit, CommandResult, HostCommandRunner, RunningCommand } from '../../../src/host/command.js';
import { setHostCommandRunner } from '../../../src/host/command.js';

/** What a command prints and exits with; a function may look at the arguments, or throw. */
export type Answer = Partial<CommandResult> | ((file: string, args: readonly string[]) => Partial<CommandResult>);

export interface FakeChild extends RunningCommand {
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  /** Signals kill() received. */
  readonly kills: string[];
  exit(exit: CommandExit): void;
}

export interface FakeRunner {
  /** `file arg arg` of every run() and start(), in order. */
  readonly calls: string[];
  readonly children: FakeChild[];
  restore(): void;
}

export function fakeChild(pid: number): FakeChild {
  let exit: (e: CommandExit) => void = () => {};
  const exited = new Promise<CommandExit>((r) => (exit = r));
  const kills: string[] = [];
  return {
    pid, stdout: new PassThrough(), stderr: new PassThrough(), kills, exited,
    kill(signal = 'SIGTERM') {
      kills.push(signal);
    },
    exit(e) {
      exit(e);
    },
  };
}

/** Installs a fake; `answer` decides each run() (default: exit 0, no output). */
export function installFakeRunner(answer: Answer = {}): FakeRunner {
  const calls: string[] = [];
  const children: FakeChild[] = [];
  const runner: HostCommandRunner = {
    async run(file, args) {
      calls.push([file, ...args].join(' '));
      const a = typeof answer === 'function' ? answer(file, args) : answer;
      return { exitCode: 0, stdout: '', stderr: '', ...a };
    },
    async start(file, args) {
      calls.push([file, ...args].join(' '));
      const child = fakeChild(4000 + children.length);
      children.push(child);
      return child;
    },
  };
  const restore = setHostCommandRunner(runner);
  return { calls, children, restore };
}
