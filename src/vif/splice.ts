// Joins a socket the VIF listener accepted to its cluster stream: data and half-closes travel both
// ways; a stream that goes away without an EOF resets the client; either side closing ends the other.
import type net from 'node:net';
import type { Duplex } from 'node:stream';

/** `onClose` runs once, when the socket has closed (the stream is destroyed by then). */
export function splice(socket: net.Socket, stream: Duplex, onClose: () => void): void {
  const reset = () => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  socket.setNoDelay(true);
  socket.on('error', () => stream.destroy());
  stream.on('error', reset);
  let streamEnded = false;
  stream.once('end', () => (streamEnded = true));
  stream.once('close', () => {
    if (!streamEnded) return reset();
    // A clean EOF: pipe() has ended the socket (the client gets its FIN); the stream takes nothing
    // more, so the socket closes once its last bytes are out instead of waiting for the client's FIN.
    if (!socket.destroyed) socket.destroySoon();
  });
  socket.once('close', () => {
    stream.destroy();
    onClose();
  });
  // A stream torn down before the socket was accepted (its 'close' already fired) resets the client.
  if (stream.destroyed) return reset();
  // pipe() ends the other side on EOF: a half-close travels both ways.
  socket.pipe(stream);
  stream.pipe(socket);
}
