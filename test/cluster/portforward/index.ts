// pods/portforward for the test cluster's API server (contract 8): takes an upgrade request already
// authenticated and checked (pod exists, Running), and serves kubelet's protocols on the hijacked socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SpdySession } from '../httpstream/session.js';
import { isWebSocketUpgrade, serveSpdySession, spdyHandshake } from '../httpstream/handshake.js';
import { PortForwardTarget, SpdyPortForwarder } from './forward.js';
import { handleWebSocket } from './websocket.js';

export type { PortForwardTarget } from './forward.js';
export { forwardErrorText, goDialErrorText } from './messages.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

export function handlePortForwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer,
  target: PortForwardTarget): void {
  socket.on('error', () => undefined);
  if (isWebSocketUpgrade(req)) {
    handleWebSocket(req, socket, head, target);
    return;
  }
  // httpstream.Handshake: the client lists protocols, the server picks one or answers 403 with its own list.
  if (spdyHandshake(req, socket, [PORT_FORWARD_PROTOCOL]) === undefined) return;
  serveSpdy(socket, head, target);
}

/** One port-forward SPDY session on a byte stream that is already past the HTTP upgrade. */
export function serveSpdy(socket: Duplex, head: Buffer, target: PortForwardTarget): SpdySession {
  return serveSpdySession(socket, head, new SpdyPortForwarder(target).accept);
}
