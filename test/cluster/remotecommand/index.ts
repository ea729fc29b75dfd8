// pods/exec and pods/attach for the test cluster's API server: takes an upgrade request already authenticated
// and checked (pod and container running) and serves kubelet's streaming protocols on the hijacked socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpError, isWebSocketUpgrade, spdyHandshake } from '../httpstream/handshake.js';
import { SPDY_PROTOCOLS, serveRemoteCommandSpdy } from './spdy.js';
import { parseStreamOptions } from './status.js';
import type { RemoteCommandServerOptions, RemoteCommandTarget } from './types.js';
import { handleRemoteCommandWebSocket } from './websocket.js';

export type { CommandIo, CommandOutcome, RemoteCommandServerOptions, RemoteCommandTarget, StreamOptions, TerminalSize } from './types.js';
export { parseStreamOptions, statusJson } from './status.js';

export function handleRemoteCommandUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: RemoteCommandTarget,
  server: RemoteCommandServerOptions = {}): void {
  socket.on('error', () => undefined);
  const options = parseStreamOptions(new URL(req.url ?? '/', 'http://x').searchParams);
  if (typeof options === 'string') {
    httpError(socket, 400, 'Bad Request', options);
    return;
  }
  if (isWebSocketUpgrade(req)) {
    handleRemoteCommandWebSocket(req, socket, head, options, target, server);
    return;
  }
  if (spdyHandshake(req, socket, SPDY_PROTOCOLS) === undefined) return;
  serveRemoteCommandSpdy(socket, head, options, target);
}
