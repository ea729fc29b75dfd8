// The session's own publishing of the container's ports (-p): a listener on the host address (127.0.0.1
// unless the user named one) whose connections are dialled into the container's network namespace.
// Works whatever network the engine gives containers (even none) and needs no docker-proxy.
import net from 'node:net';
import { HostError } from '../../src/errors.js';
import { dialInNetns, joinSockets } from '../../src/inbound/netns.js';
import type { Published } from './publish-spec.js';

export interface PublishedPorts {
  /** One progress line per port: where it is published. */
  readonly lines: readonly string[];
  close(): Promise<void>;
}

/** Listens for every -p; a taken host port fails the whole set (the ones already open are closed). */
export async function publishIntoNetns(nsPath: string, publishes: readonly Published[], log: (line: string) => void): Promise<PublishedPorts> {
  const servers: net.Server[] = [];
  const lines: string[] = [];
  const close = () => Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done())))).then(() => undefined);
  try {
    for (const p of publishes) {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
        const inside = dialInNetns(nsPath, p.containerPort);
        joinSockets(client, inside, (err) => log(`container: a connection to ${p.address}:${p.hostPort} found nothing on port ${p.containerPort} of the container (${err.code ?? err.message}); closed it`));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(new HostError(`-p ${p.address}:${p.hostPort}:${p.containerPort}: cannot listen on ${p.address}:${p.hostPort} here (${err.code ?? err.message}): choose another host port`, { value: String(p.hostPort) })));
        server.listen(p.hostPort, p.address, () => resolve());
      });
      servers.push(server);
      const port = (server.address() as net.AddressInfo).port;
      lines.push(`Publishing ${p.address}:${port} here to port ${p.containerPort} of the container`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { lines, close };
}
