// The HTTP side of kubelet's streaming endpoints (apimachinery's httpstream.Handshake): the SPDY/3.1 upgrade with
// X-Stream-Protocol-Version negotiation, Go's http.Error answers, and one SPDY session on the hijacked socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdySession, type StreamAcceptor } from './session.js';

/** Go's http.Error: the text, a newline, text/plain, nosniff. */
export function httpError(socket: Duplex, status: number, reason: string, text: string, extra = ''): void {
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `X-Content-Type-Options: nosniff\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Header values as Go sees them: repeated headers and comma lists become one list. */
export function headerList(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return headerList(req, 'upgrade').some((u) => u.toLowerCase() === 'websocket');
}

/** The first of the client's protocols that the server supports (the client's order wins, as in Go). */
export function negotiateProtocol(offered: readonly string[], supported: readonly string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

/**
 * Checks the SPDY upgrade headers and negotiates the stream protocol. On success writes the 101 answer and returns
 * the protocol; otherwise answers as kubelet does (400, or 403 listing what it accepts) and returns undefined.
 */
export function spdyHandshake(req: IncomingMessage, socket: Duplex, supported: readonly string[]): string | undefined {
  const connection = headerList(req, 'connection').map((c) => c.toLowerCase());
  const upgrade = headerList(req, 'upgrade').map((u) => u.toLowerCase());
  if (!connection.includes('upgrade') || !upgrade.includes('spdy/3.1')) {
    httpError(socket, 400, 'Bad Request', 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const offered = headerList(req, 'x-stream-protocol-version');
  if (offered.length === 0) {
    httpError(socket, 400, 'Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required');
    return undefined;
  }
  const protocol = negotiateProtocol(offered, supported);
  if (!protocol) {
    httpError(socket, 403, 'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`,
      `X-Accepted-Stream-Protocol-Versions: ${supported.join(', ')}\r\n`);
    return undefined;
  }
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
    `X-Stream-Protocol-Version: ${protocol}\r\nDate: ${new Date().toUTCString()}\r\n\r\n`);
  return protocol;
}

/** One SPDY session on a byte stream that is already past the HTTP upgrade. */
export function serveSpdySession(socket: Duplex, head: Buffer, accept: StreamAcceptor): SpdySession {
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const session = new SpdySession({
    write: (bytes) => socket.write(bytes),
    pauseReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    destroy: () => socket.destroy(),
  }, accept);
  socket.on('drain', () => session.drained());
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('close', () => session.closed());
  socket.on('end', () => socket.end());
  if (head.length > 0) session.receive(head);
  return session;
}
