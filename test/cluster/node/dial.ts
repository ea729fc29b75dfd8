// Dialing into a pod from the host (contract 7): the node agent, inside tp-node, serves a unix socket
// DIR/node-dial.sock; a client sends one JSON line {host, port}, the agent answers `OK` or `ERR <text>`
// and then relays bytes. Unix sockets cross network namespaces, so the host needs no route to pods.
import net from 'node:net';

import { statePaths } from '../state.js';

/** Connects to podIp:port through the node agent; rejects with the connect error's text on failure. */
export function dialPod(stateDir: string, podIp: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: statePaths(stateDir).nodeDialSock, allowHalfOpen: true });
    let buffered = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    // 'readable' rather than 'data': the stream must not be left in flowing or paused mode, so that
    // the caller's own 'data' listener or pipe() starts it as on a fresh socket.
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const nl = buffered.indexOf(10);
        if (nl < 0) continue;
        socket.off('readable', onReadable);
        socket.off('error', fail);
        socket.off('end', onEnd);
        const line = buffered.subarray(0, nl).toString('utf8');
        const rest = buffered.subarray(nl + 1);
        if (line !== 'OK') return fail(new Error(line.replace(/^ERR /, '')));
        if (rest.length > 0) socket.unshift(rest);
        return resolve(socket);
      }
    };
    const onEnd = () => fail(new Error(`the node agent closed ${statePaths(stateDir).nodeDialSock} before answering`));
    socket.on('readable', onReadable);
    socket.on('error', fail);
    socket.on('end', onEnd);
    socket.on('connect', () => socket.write(JSON.stringify({ host: podIp, port }) + '\n'));
  });
}

/** The agent's side: a server on `socketPath` that connects where each client asks and relays. */
export function serveDialRelay(socketPath: string): net.Server {
  // allowHalfOpen everywhere: a client that has finished sending still gets the pod's whole answer.
  return net.createServer({ allowHalfOpen: true }, (client) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(10);
      if (nl < 0) {
        if (buffered.length > 4096) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      let target: { host?: unknown; port?: unknown };
      try {
        target = JSON.parse(buffered.subarray(0, nl).toString('utf8')) as typeof target;
      } catch {
        client.end('ERR bad request: expected one JSON line {"host","port"}\n');
        return;
      }
      const rest = buffered.subarray(nl + 1);
      const upstream = net.connect({ host: String(target.host), port: Number(target.port), allowHalfOpen: true, noDelay: true });
      upstream.once('error', (err) => client.end(`ERR ${err.message}\n`));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        client.write('OK\n');
        if (rest.length > 0) upstream.write(rest);
        pipeBothWays(client, upstream);
      });
      client.once('error', () => upstream.destroy());
    };
    client.on('data', onData);
  }).listen(socketPath);
}

/** Relays two sockets with half-close in both directions; an error on either destroys both. */
export function pipeBothWays(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const destroy = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', destroy);
  b.on('error', destroy);
  a.resume();
}
