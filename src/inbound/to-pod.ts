// `--to-pod PORT`: 127.0.0.1:PORT here reaches localhost:PORT of the proxy pod (a swapped pod's other
// containers share that localhost), one SSH direct-tcpip stream a connection. Listens on loopback only.
// Nothing to redo after a reconnect: each connection opens its stream on the tunnel's connection of the
// moment (test/integration/session/reconnect-restore.test.ts); one made while reconnecting is closed here.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { UsageError } from '../errors.js';

export interface StreamTunnel {
  openStream(host: string, port: number): Promise<Duplex>;
}

export interface PodPortListeners {
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:PORT for each port (one that is taken here fails the call and closes the others). */
export async function listenToPod(tunnel: StreamTunnel, ports: readonly number[], log: (line: string) => void): Promise<PodPortListeners> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const close = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.splice(0).map((srv) => new Promise((r) => srv.close(r))));
  };
  try {
    for (const port of [...new Set(ports)]) {
      // Half-open: a client that ends its side after its request still gets the answer.
      const server = net.createServer({ allowHalfOpen: true }, (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        carry(tunnel, socket, port, log);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
          ? new UsageError(`--to-pod ${port}: port ${port} is already in use on this workstation (127.0.0.1); stop what listens there or choose another port`)
          : err));
        server.listen(port, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}

function carry(tunnel: StreamTunnel, socket: net.Socket, port: number, log: (line: string) => void): void {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  tunnel.openStream('127.0.0.1', port).then((stream) => {
    if (socket.destroyed) return void stream.destroy();
    stream.on('error', () => socket.destroy());
    socket.on('close', () => stream.destroy());
    stream.on('close', () => socket.destroy());
    socket.pipe(stream);
    stream.pipe(socket);
  }, (err: Error) => {
    log(`to-pod: localhost:${port} in the proxy pod refused a connection (${err.message}); closed it here`);
    socket.destroy();
  });
}
