// The texts of pods/exec and pods/attach: the stream flags from the query, the metav1.Status on the error
// channel (Go's json.Marshal field order) and the JSON terminal sizes on the resize channel.
import type { CommandOutcome, StreamOptions, TerminalSize } from './types.js';

/** Which server writes the status: kubelet (SPDY, and WebSocket up to v4) or the API server's stream translator,
 * which serves v5.channel.k8s.io and wraps kubelet's result once more. */
export type StatusWriter = 'kubelet' | 'translator';

const flag = (q: URLSearchParams, name: string) => ['1', 'true'].includes((q.get(name) ?? '').toLowerCase());

/** kubelet's NewOptions: tty drops stderr (both go to stdout), and one stream at least is needed. */
export function parseStreamOptions(q: URLSearchParams): StreamOptions | string {
  const tty = flag(q, 'tty');
  const options = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr') && !tty, tty };
  if (!options.stdin && !options.stdout && !options.stderr) return 'you must specify at least 1 of stdin, stdout, stderr';
  return options;
}

interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

function internalError(message: string): Status {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError',
    details: { causes: [{ message }] }, code: 500 };
}

/**
 * The Status for an outcome. kubelet: Success; or NonZeroExitCode with the runtime's text (containerd's
 * `error executing command [sh -c exit 3], exit code 3`); or InternalError. The translator decodes kubelet's
 * status into client-go's error and encodes that again: `command terminated with exit code 3`, and an
 * InternalError inside an InternalError.
 */
export function statusFor(outcome: CommandOutcome, verb: 'exec' | 'attach', command: readonly string[], writer: StatusWriter): Status {
  if ('error' in outcome) {
    const kubelet = `error ${verb === 'exec' ? 'executing command in' : 'attaching to'} container: ${outcome.error}`;
    return internalError(writer === 'translator' ? `Internal error occurred: ${kubelet}` : kubelet);
  }
  if (outcome.exitCode === 0 || verb === 'attach') return { metadata: {}, status: 'Success' };
  const code = outcome.exitCode;
  const cause = writer === 'translator' ? `command terminated with exit code ${code}` : `error executing command [${command.join(' ')}], exit code ${code}`;
  return { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${cause}`, reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };
}

export function statusJson(outcome: CommandOutcome, verb: 'exec' | 'attach', command: readonly string[], writer: StatusWriter): string {
  return JSON.stringify(statusFor(outcome, verb, command, writer));
}

/**
 * Splits the resize stream into sizes: client-go writes one JSON object per resize (json.Encoder, so a newline
 * after each), and a message or frame may hold part of one or several. Bad JSON is skipped, as kubelet logs it.
 */
export class ResizeDecoder {
  private text = '';

  push(chunk: Buffer | string): TerminalSize[] {
    this.text += chunk.toString();
    const sizes: TerminalSize[] = [];
    for (;;) {
      const start = this.text.indexOf('{');
      if (start < 0) {
        this.text = '';
        return sizes;
      }
      const end = this.text.indexOf('}', start);
      if (end < 0) {
        this.text = this.text.slice(start);
        return sizes;
      }
      const one = this.text.slice(start, end + 1);
      this.text = this.text.slice(end + 1);
      try {
        const v = JSON.parse(one) as { Width?: unknown; Height?: unknown };
        const width = Number(v.Width ?? 0);
        const height = Number(v.Height ?? 0);
        // uint16 in Go; a zero size is legal (kubectl sends it when it cannot read the terminal).
        if (Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0 && width < 65536 && height < 65536) {
          sizes.push({ width, height });
        }
      } catch {
        // kubelet: "error decoding terminal size", and goes on with the next one
      }
    }
  }
}
