// pods/exec and pods/attach over SPDY/3.1 (kubelet's v4.channel.k8s.io): the client opens one stream per
// `streamtype` (error, stdin, stdout, stderr, resize); once all it asked for are replied to, the command runs;
// then stdout and stderr end, the Status goes on the error stream, and the connection closes.
import type { Duplex } from 'node:stream';
import { serveSpdySession } from '../httpstream/handshake.js';
import type { SpdyStream } from '../httpstream/session.js';
import { ResizeDecoder, statusJson } from './status.js';
import { type CommandIo, ended, type RemoteCommandTarget, runToOutcome, type StreamOptions, TerminalSizes } from './types.js';

/** kubelet serves v4 down to v1 over SPDY; we serve v4 (kubectl since 1.5 offers it; v5 adds nothing over SPDY). */
export const SPDY_PROTOCOLS = ['v4.channel.k8s.io'];

/** kubelet's streamCreationTimeout: the client must open its streams within it. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** How long a finished connection waits for the client to close it. */
const CLOSE_GRACE_MS = 10_000;

const STREAM_TYPES = ['error', 'stdin', 'stdout', 'stderr', 'resize'] as const;
type StreamType = typeof STREAM_TYPES[number];

export function serveRemoteCommandSpdy(socket: Duplex, head: Buffer, options: StreamOptions, target: RemoteCommandTarget): void {
  const wanted = new Set<StreamType>(['error']);
  if (options.stdin) wanted.add('stdin');
  if (options.stdout) wanted.add('stdout');
  if (options.stderr) wanted.add('stderr');
  if (options.tty) wanted.add('resize');
  const streams = new Map<StreamType, SpdyStream>();
  const abort = new AbortController();
  let replied = 0;
  let started = false;
  const timer = setTimeout(() => {
    if (!started) socket.destroy(); // kubelet: "timed out waiting for client to create streams"
  }, STREAM_CREATION_TIMEOUT_MS);
  timer.unref();

  const session = serveSpdySession(socket, head, (stream) => {
    const type = stream.header('streamtype') as StreamType | undefined;
    if (!type || !STREAM_TYPES.includes(type)) return `unexpected stream type: "${type ?? ''}"`;
    if (streams.has(type)) return `duplicate stream for type ${type}`;
    streams.set(type, stream);
    stream.on('error', () => undefined);
    if (!wanted.has(type)) {
      stream.resume(); // a stream the options did not ask for (stderr with a tty): kubelet never reads it
      return null;
    }
    void stream.whenReplied().then(() => {
      if (++replied === wanted.size && !started) {
        started = true;
        clearTimeout(timer);
        void run();
      }
    });
    return null;
  });
  session.on('close', () => abort.abort());

  async function run(): Promise<void> {
    const sizes = new TerminalSizes();
    const resize = streams.get('resize');
    if (resize) {
      const decoder = new ResizeDecoder();
      resize.on('data', (chunk: Buffer) => { for (const s of decoder.push(chunk)) sizes.push(s); });
    }
    const error = streams.get('error')!;
    error.resume(); // clients write nothing there; read to its FIN so the stream can finish
    const io: CommandIo = {
      options, sizes, signal: abort.signal,
      stdin: streams.get('stdin'), stdout: streams.get('stdout'), stderr: streams.get('stderr'),
    };
    const outcome = await runToOutcome(target, io, abort);
    if (outcome === null) return;
    error.write(statusJson(outcome, target.verb, target.command, 'kubelet'));
    await ended(error);
    const stdin = streams.get('stdin');
    if (stdin) await ended(stdin);
    if (resize) await ended(resize);
    // Half-close and let the client close: closing with its data unread would reset the connection and could
    // cost the client output it has not read yet.
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
