// What pods/exec and pods/attach hand to the container runtime, independent of the wire protocol (SPDY or
// WebSocket): the requested streams, terminal sizes from the client, and what the command's end reports.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/** The stream flags of the request (kubelet's remotecommand.Options). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** remotecommand.TerminalSize: columns and rows. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** The client's terminal sizes in arrival order; `latest` holds the last one. */
export class TerminalSizes extends EventEmitter<{ resize: [TerminalSize] }> {
  latest?: TerminalSize;

  push(size: TerminalSize): void {
    this.latest = size;
    this.emit('resize', size);
  }

  /** The first size, if the client sends one within `timeoutMs` (kubectl sends it right after the streams open). */
  first(timeoutMs: number): Promise<TerminalSize | undefined> {
    if (this.latest) return Promise.resolve(this.latest);
    return new Promise((resolve) => {
      const done = (size?: TerminalSize) => {
        clearTimeout(timer);
        this.off('resize', done);
        resolve(size);
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('resize', done);
    });
  }
}

/** The streams of one exec or attach, as the runtime sees them. */
export interface CommandIo {
  readonly options: StreamOptions;
  /** The client's stdin (present when requested); ends when the client closes it. */
  stdin?: Readable;
  /** Where the command's output goes (present when requested); the protocol ends them after the outcome. */
  stdout?: Writable;
  stderr?: Writable;
  readonly sizes: TerminalSizes;
  /** Aborted when the client's connection is gone before the command ended. */
  readonly signal: AbortSignal;
}

/** How the command ended: its exit code, or a runtime error (kubelet reports it as an InternalError). */
export type CommandOutcome = { exitCode: number } | { error: string };

export interface RemoteCommandTarget {
  verb: 'exec' | 'attach';
  /** The exec'd command (for the status text); empty for attach. */
  command: string[];
  run(io: CommandIo): Promise<CommandOutcome>;
}

/** Options of the handler, for tests that play an older server. */
export interface RemoteCommandServerOptions {
  /** Serve only the WebSocket protocols of a kubelet before 1.30 (no v5.channel.k8s.io): kubectl >= 1.30 then
   * gets 403 and falls back to SPDY, as against an older cluster. */
  legacyWebSocket?: boolean;
}

/** Resolves once a writable side has flushed its end (or the stream is gone). */
export function ended(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.writableFinished || w.destroyed) return resolve();
    w.once('finish', () => resolve());
    w.once('close', () => resolve());
    w.once('error', () => resolve());
    if (!w.writableEnded) w.end();
  });
}

/**
 * Runs the command to its outcome (a thrown error is an outcome too) and ends its output streams; null
 * when the client went away meanwhile (nothing is left to tell). Both protocols then send the Status.
 */
export async function runToOutcome(target: RemoteCommandTarget, io: CommandIo, abort: AbortController): Promise<CommandOutcome | null> {
  let outcome: CommandOutcome;
  try {
    outcome = await target.run(io);
  } catch (err) {
    outcome = { error: (err as Error).message };
  }
  if (abort.signal.aborted) return null;
  await Promise.all([io.stdout, io.stderr].filter((w) => w !== undefined).map((w) => ended(w)));
  return outcome;
}
