// Port-forward over SPDY as kubelet does it (httpstream.go): streams come in pairs (`streamtype` error + data,
// same `requestid`, same `port`); once both are there we dial the pod's port and copy both ways.
import type { Duplex } from 'node:stream';
import type { SpdyStream } from '../httpstream/session.js';
import { forwardErrorText, portHeaderProblem } from './messages.js';

export interface PortForwardTarget {
  podName: string;
  namespace: string;
  uid: string;
  /** What kubelet names the pod in its error texts (the CRI sandbox id); the uid when absent. */
  sandboxId?: string;
  dial: (port: number) => Promise<Duplex>;
}

/** kubelet's streamCreationTimeout: a pair must be complete within it. */
export const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface Pair { id: string; data?: SpdyStream; error?: SpdyStream; timer?: NodeJS.Timeout }

export class SpdyPortForwarder {
  private readonly pairs = new Map<string, Pair>();

  constructor(private readonly target: PortForwardTarget) {}

  /** The session's stream acceptor: null accepts; a text rejects (the stream is reset, as kubelet does). */
  readonly accept = (stream: SpdyStream): string | null => {
    const portProblem = portHeaderProblem(stream.header('port'));
    if (portProblem) return portProblem;
    const type = stream.header('streamtype');
    if (!type) return '"streamType" header is required';
    if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
    const id = this.requestId(stream, type);
    let pair = this.pairs.get(id);
    if (!pair) {
      pair = { id };
      this.pairs.set(id, pair);
      const p = pair;
      p.timer = setTimeout(() => this.expire(p), STREAM_PAIR_TIMEOUT_MS);
      p.timer.unref();
    }
    if (pair[type]) return `${type} stream already assigned`;
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      this.pairs.delete(id);
      void this.forward(pair.data, pair.error);
    }
    return null;
  };

  /** Clients older than requestid pair streams by id: error N, data N+2 (kubelet's best effort, kept as is). */
  private requestId(stream: SpdyStream, type: string): string {
    const given = stream.header('requestid');
    if (given) return given;
    return String(type === 'error' ? stream.id : stream.id - 2);
  }

  private expire(pair: Pair): void {
    this.pairs.delete(pair.id);
    pair.error?.end(`(conn=spdy, request=${pair.id}) timed out waiting for streams`);
    pair.error?.resume();
    pair.data?.destroy();
  }

  private async forward(data: SpdyStream, error: SpdyStream): Promise<void> {
    // The client writes nothing on the error stream; read it to its FIN so the stream can finish.
    error.resume();
    error.on('error', () => undefined);
    data.on('error', () => undefined);
    const port = Number(data.header('port'));
    await Promise.all([data.whenReplied(), error.whenReplied()]);
    let pod: Duplex;
    try {
      pod = await this.target.dial(port);
    } catch (e) {
      // kubelet: text on the error stream, then close the error stream, then the data stream.
      error.end(forwardErrorText(port, this.target.sandboxId ?? this.target.uid, e));
      data.resume();
      data.end();
      return;
    }
    if (data.destroyed) {
      pod.destroy();
      error.destroy();
      return;
    }
    pipePair(data, error, pod);
  }
}

/** Copies both ways with half-close: the client's FIN ends our write toward the pod and we keep reading; the
 * pod's end becomes our FIN. When the pod connection is gone the error stream closes, which tells the client
 * this connection is over. */
export function pipePair(data: SpdyStream, error: SpdyStream, pod: Duplex): void {
  pod.on('error', () => undefined);
  data.pipe(pod);
  pod.pipe(data);
  const podGone = () => {
    data.unpipe(pod);
    data.resume(); // discard what the client still sends
    if (!data.writableEnded) data.end();
    if (!error.writableEnded) error.end();
  };
  pod.once('close', podGone);
  data.once('close', () => {
    if (!pod.destroyed) pod.destroy();
    if (!error.destroyed && !error.writableEnded) error.end();
  });
}
