// pods/portforward for the test cluster's API server (contract 8): takes an upgrade request already
// authenticated and checked (pod exists, Running), and serves kubelet's protocols on the hijacked socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdySession } from './session.js';
import { PortForwardTarget, SpdyPortForwarder } from './forward.js';
import { handleWebSocket } from './websocket.js';

export type { PortForwardTarget } from './forward.js';
export { forwardErrorText, goDialErrorText } from './messages.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** Go's http.Error: the text, a newline, text/plain, nosniff. */
function httpError(socket: Duplex, status: number, reason: string, text: string, extra = ''): void {
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `X-Content-Type-Options: nosniff\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Header values as Go sees them: repeated headers and comma lists become one list. */
function headerList(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

export function handlePortForwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer,
  target: PortForwardTarget): void {
  socket.on('error', () => undefined);
  if (headerList(req, 'upgrade').some((u) => u.toLowerCase() === 'websocket')) {
    handleWebSocket(req, socket, head, target);
    return;
  }
  const connection = headerList(req, 'connection').map((c) => c.toLowerCase());
  const upgrade = headerList(req, 'upgrade').map((u) => u.toLowerCase());
  if (!connection.includes('upgrade') || !upgrade.includes('spdy/3.1')) {
    httpError(socket, 400, 'Bad Request', 'unable to upgrade: missing upgrade headers in request');
    return;
  }
  // httpstream.Handshake: the client lists protocols, the server picks one or answers 403 with its own list.
  const offered = headerList(req, 'x-stream-protocol-version');
  if (offered.length === 0) {
    httpError(socket, 400, 'Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required');
    return;
  }
  if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
    httpError(socket, 403, 'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${PORT_FORWARD_PROTOCOL}]`,
      `X-Accepted-Stream-Protocol-Versions: ${PORT_FORWARD_PROTOCOL}\r\n`);
    return;
  }
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
    `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\nDate: ${new Date().toUTCString()}\r\n\r\n`);
  serveSpdy(socket, head, target);
}

/** One SPDY session on a byte stream that is already past the HTTP upgrade. */
export function serveSpdy(socket: Duplex, head: Buffer, target: PortForwardTarget): SpdySession {
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const forwarder = new SpdyPortForwarder(target);
  const session = new SpdySession({
    write: (bytes) => socket.write(bytes),
    pauseReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    destroy: () => socket.destroy(),
  }, forwarder.accept);
  socket.on('drain', () => session.drained());
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('close', () => session.closed());
  socket.on('end', () => socket.end());
  if (head.length > 0) session.receive(head);
  return session;
}
