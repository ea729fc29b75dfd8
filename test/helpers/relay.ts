// A TCP relay to a local port that a test can cut (every connection destroyed, new ones refused) and
// restore on the same port: how the watch tests break an API server connection mid-stream.
import net from 'node:net';

/** A TCP relay to 127.0.0.1:target that can be cut (every connection destroyed, new ones refused) and restored. */
export async function cuttableRelay(target: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const make = () => net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return {
    port,
    cut: async () => {
      const closed = close();
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: async () => {
      server = make();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      if (server.listening) await close();
    },
  };
}
