// Runs the user process with the session's environment and hands back its exit code; signals the
// session receives (Ctrl-C, SIGTERM, SIGHUP) are passed on to it.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { UserProcessLaunch } from '../../methods/method.js';
import { UsageError } from '../errors.js';

/** Telepresence 1's default shell: bash without rc files, its prompt prefixed with `@<context>|`. */
export function shellLaunch(context: string, env: Record<string, string>): UserProcessLaunch {
  return {
    argv: ['bash', '--norc'],
    env: { ...env, PS1: `@${context}|${env.PS1 ?? '\\W $ '}` },
  };
}

export class UserProcess {
  private constructor(private readonly child: ChildProcess, readonly exited: Promise<number>) {}

  static start(launch: UserProcessLaunch): Promise<UserProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(launch.argv[0], launch.argv.slice(1), { stdio: 'inherit', env: launch.env });
      const exited = new Promise<number>((done) => {
        child.on('exit', (code, signal) => done(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'ENOENT'
          ? new UsageError(`--run: command not found: ${launch.argv[0]}`)
          : err);
      });
      child.once('spawn', () => resolve(new UserProcess(child, exited)));
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5000): Promise<number> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
