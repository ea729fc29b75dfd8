// The runtime side of pods/exec and pods/attach (what the CRI streaming server does on a real node): `docker exec`
// or `docker attach` with pipes, or inside a pty of ours when a terminal is asked for, so that the client's
// resizes reach the process (the pty's size change makes the docker CLI resize the container's terminal).
import { finished } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import pty from 'node-pty';
import type { CommandIo, CommandOutcome, StreamOptions } from '../remotecommand/index.js';

/** Docker's own complaints that start its stderr when the command never ran; the runtime reports them as errors. */
export const EXEC_FAILURES = ['OCI runtime exec failed:', 'Error response from daemon:'];
export const ATTACH_FAILURES = ['You cannot attach to a stopped container', 'Error response from daemon:', 'Error: No such container'];

export function dockerExecArgv(container: string, command: readonly string[], o: StreamOptions): string[] {
  return ['docker', 'exec', ...(o.stdin ? ['-i'] : []), ...(o.tty ? ['-t'] : []), container, ...command];
}

/** --sig-proxy=false: ending our `docker attach` must not signal the container. */
export function dockerAttachArgv(container: string, o: StreamOptions): string[] {
  return ['docker', 'attach', '--sig-proxy=false', ...(o.stdin ? [] : ['--no-stdin']), container];
}

export interface RunOptions {
  /** Run inside a pty (a tty exec, or an attach to a container that has one). */
  pty: boolean;
  /** Prefixes of docker's output that mean the command did not run (checked when not in a pty). */
  failures: readonly string[];
  /** Keep the runtime's stdin open when the client's ends (attach to a container without stdinOnce: docker
   * would end the attach's output with it, containerd goes on streaming). */
  keepStdinOpen?: boolean;
}

/** Writes with backpressure: pauses `pause` until `to` drains. */
function forward(chunk: Buffer, to: Writable | undefined, pause: () => void, resume: () => void): void {
  if (to && !to.destroyed && !to.write(chunk)) {
    pause();
    to.once('drain', resume);
  }
}

/**
 * Holds stderr back while it may still be one of docker's failure texts (they come before any output of the
 * command), so that such a text becomes the Status instead of the command's stderr.
 */
export class FailureGate {
  held = Buffer.alloc(0);
  failed = false;
  private passing: boolean;

  constructor(private readonly prefixes: readonly string[]) {
    this.passing = prefixes.length === 0;
  }

  /** The bytes to forward now. */
  push(chunk: Buffer): Buffer | undefined {
    if (this.passing) return chunk;
    this.held = Buffer.concat([this.held, chunk]);
    if (this.failed) return undefined;
    const text = this.held.toString();
    if (this.prefixes.some((f) => text.startsWith(f))) {
      this.failed = true;
      return undefined;
    }
    if (this.prefixes.some((f) => f.startsWith(text))) return undefined;
    this.passing = true;
    const out = this.held;
    this.held = Buffer.alloc(0);
    return out;
  }
}

export function runProcess(argv: readonly string[], io: CommandIo, opts: RunOptions): Promise<CommandOutcome> {
  return opts.pty ? runInPty(argv, io) : runWithPipes(argv, io, opts.failures, opts.keepStdinOpen ?? false);
}

async function runInPty(argv: readonly string[], io: CommandIo): Promise<CommandOutcome> {
  // kubectl sends the terminal's size right after the streams open: start at that size rather than resize at once.
  const size = await io.sizes.first(1000);
  const term = pty.spawn(argv[0]!, argv.slice(1), {
    name: 'xterm', cols: size?.width || 80, rows: size?.height || 24, encoding: null, env: process.env as Record<string, string>,
  });
  term.onData((data: string | Buffer) => forward(Buffer.from(data), io.stdout, () => term.pause(), () => term.resume()));
  const onInput = (chunk: Buffer) => term.write(chunk);
  io.stdin?.on('data', onInput);
  const onResize = (s: { width: number; height: number }) => {
    if (s.width > 0 && s.height > 0) term.resize(s.width, s.height);
  };
  io.sizes.on('resize', onResize);
  const kill = () => term.kill();
  io.signal.addEventListener('abort', kill);
  const exitCode = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  io.stdin?.off('data', onInput);
  io.sizes.off('resize', onResize);
  io.signal.removeEventListener('abort', kill);
  return { exitCode };
}

async function runWithPipes(argv: readonly string[], io: CommandIo, failures: readonly string[], keepStdinOpen: boolean): Promise<CommandOutcome> {
  const child = execa(argv[0]!, argv.slice(1), {
    stdin: io.stdin ? 'pipe' : 'ignore', buffer: false, reject: false, encoding: 'buffer', cancelSignal: io.signal,
  });
  const out = child.stdout as Readable;
  const err = child.stderr as Readable;
  // docker exec writes the runtime's failure on stdout, docker attach its own on stderr: hold both back.
  const outGate = new FailureGate(failures);
  const errGate = new FailureGate(failures);
  out.on('data', (chunk: Buffer) => {
    const pass = outGate.push(chunk);
    if (pass) forward(pass, io.stdout, () => out.pause(), () => out.resume());
  });
  err.on('data', (chunk: Buffer) => {
    const pass = errGate.push(chunk);
    if (pass) forward(pass, io.stderr, () => err.pause(), () => err.resume());
  });
  if (io.stdin && child.stdin) {
    child.stdin.on('error', () => undefined); // the command may exit before reading all of stdin
    io.stdin.pipe(child.stdin, { end: !keepStdinOpen });
  }
  const result = await child;
  await Promise.all([finished(out).catch(() => undefined), finished(err).catch(() => undefined)]);
  if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
  const exitCode = result.exitCode ?? 128 + signalNumber(result.signal);
  for (const gate of [outGate, errGate]) if (gate.failed && exitCode !== 0) return { error: gate.held.toString().trim() };
  const noop = () => undefined;
  if (outGate.held.length > 0) forward(outGate.held, io.stdout, noop, noop);
  if (errGate.held.length > 0) forward(errGate.held, io.stderr, noop, noop);
  return { exitCode };
}

function signalNumber(signal: string | undefined): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return numbers[signal ?? ''] ?? 0;
}
