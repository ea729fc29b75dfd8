// The pod's SOCKSv5 server (port 9050): CONNECT by IPv4 or name, Tor's RESOLVE and RESOLVE_PTR,
// names resolved by the pod's resolver; with `auth` (the proxy-via relay) only after RFC 1929's
// username/password. Byte layouts live in protocol.ts; this file does sockets.
import { timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { SOCKS_REPLY, socksReply } from '../../../src/protocol/index.js';
import type { PodResolver } from '../resolver.js';
import {
  AUTH_NO_ACCEPTABLE,
  AUTH_NONE,
  AUTH_USERNAME_PASSWORD,
  SocksDecoder,
  encodeConnectReply,
  encodeMethodSelection,
  encodeResolvePtrReply,
  encodeResolveReply,
  encodeUserPassReply,
  isIPv4,
  replyCodeForError,
  type SocksRequest,
} from './protocol.js';

/** What happened to one request, for the log and for tests. */
export interface SocksEvent {
  command: SocksRequest['command'] | 'unsupported' | 'auth';
  target: string;
  reply: number;
  detail: string;
}

export interface SocksServerOptions {
  resolver: PodResolver;
  onEvent?: (event: SocksEvent) => void;
  /** Give up on a target that neither accepts nor refuses (ms). */
  connectTimeoutMs?: number;
  /**
   * Only clients that send this username and password (RFC 1929) are served; the others get 05 FF (no
   * method 02 offered) or 01 01. An authenticated client may then idle before its request (a keep-alive).
   */
  auth?: { username: string; password: string };
}

/** Equal texts, compared in a time that does not tell how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'latin1');
  const b = Buffer.from(expected, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** After a one-shot reply (resolve, failure), how long a client may keep the socket open. */
const LINGER_MS = 10_000;
/** How long a client may take to send its greeting and request. */
const HANDSHAKE_MS = 30_000;

export function createSocksServer(options: SocksServerOptions): net.Server {
  // allowHalfOpen: a client's EOF must reach the target without closing the other direction.
  return net.createServer({ allowHalfOpen: true }, (client) => handleClient(client, options));
}

export async function listenSocks(
  options: SocksServerOptions & { host: string; port: number },
): Promise<{ server: net.Server; port: number; close(): Promise<void> }> {
  const server = createSocksServer(options);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function describe(req: SocksRequest): string {
  return req.command === 'connect' ? `${req.address.host}:${req.port}` : req.address.host;
}

function handleClient(client: net.Socket, options: SocksServerOptions): void {
  const decoder = new SocksDecoder({ auth: options.auth !== undefined });
  const report = (e: SocksEvent): void => options.onEvent?.(e);
  client.on('error', () => client.destroy());
  client.setTimeout(HANDSHAKE_MS, () => client.destroy());

  // EOF before a whole request: nothing more can come, so close our side too.
  const endedEarly = (): void => {
    client.end();
  };
  client.once('end', endedEarly);

  /** One-shot answer: send, half-close, and drop whatever else the client sends. */
  const finish = (reply: Buffer): void => {
    client.off('end', endedEarly);
    client.off('data', onData);
    client.on('data', () => undefined);
    client.resume();
    client.setTimeout(LINGER_MS, () => client.destroy());
    client.on('end', () => client.destroy());
    client.end(reply);
  };

  const onData = (chunk: Buffer): void => {
    for (const event of decoder.push(chunk)) {
      switch (event.type) {
        case 'greeting':
          if (options.auth !== undefined) {
            if (!event.methods.includes(AUTH_USERNAME_PASSWORD)) {
              report({ command: 'auth', target: '', reply: AUTH_NO_ACCEPTABLE, detail: 'the client offered no username/password method' });
              finish(encodeMethodSelection(AUTH_NO_ACCEPTABLE));
              return;
            }
            client.write(encodeMethodSelection(AUTH_USERNAME_PASSWORD));
          } else if (event.methods.includes(AUTH_NONE)) {
            client.write(encodeMethodSelection(AUTH_NONE));
          } else {
            finish(encodeMethodSelection(AUTH_NO_ACCEPTABLE));
            return;
          }
          break;
        case 'auth':
          if (options.auth === undefined || event.username !== options.auth.username || !sameSecret(event.password, options.auth.password)) {
            report({ command: 'auth', target: event.username, reply: 1, detail: 'wrong username or password' });
            finish(encodeUserPassReply(false));
            return;
          }
          client.setTimeout(0); // the session's keep-alive connection idles here
          client.setKeepAlive(true, 10_000);
          client.write(encodeUserPassReply(true));
          break;
        case 'malformed':
          client.destroy();
          return;
        case 'unsupported':
          report({ command: 'unsupported', target: '', reply: SOCKS_REPLY.COMMAND_NOT_SUPPORTED, detail: event.reason });
          finish(socksReply(SOCKS_REPLY.COMMAND_NOT_SUPPORTED));
          return;
        case 'request':
          client.setTimeout(0); // a proxied connection may idle as long as both of its ends want
          client.off('end', endedEarly);
          client.off('data', onData);
          client.pause();
          void serve(event.request, decoder.takeRest());
          return;
      }
    }
  };
  client.on('data', onData);

  const fail = (req: SocksRequest, code: number, detail: string): void => {
    report({ command: req.command, target: describe(req), reply: code, detail });
    finish(socksReply(code));
  };

  async function serve(req: SocksRequest, rest: Buffer): Promise<void> {
    if (req.command === 'resolve') {
      try {
        const ips = isIPv4(req.address.host) ? [req.address.host] : await options.resolver.lookupIPv4(req.address.host);
        report({ command: 'resolve', target: req.address.host, reply: SOCKS_REPLY.SUCCEEDED, detail: ips[0] });
        finish(encodeResolveReply(ips[0]));
      } catch (err) {
        fail(req, SOCKS_REPLY.HOST_UNREACHABLE, (err as Error).message);
      }
      return;
    }
    if (req.command === 'resolve-ptr') {
      const name = isIPv4(req.address.host) ? await options.resolver.reverse(req.address.host) : null;
      // Telepresence 1 answered the address itself when there is no name: torsocks treats a
      // failed RESOLVE_PTR as fatal for the calling program.
      report({ command: 'resolve-ptr', target: req.address.host, reply: SOCKS_REPLY.SUCCEEDED, detail: name ?? '(no name: the address itself)' });
      finish(encodeResolvePtrReply(name ?? req.address.host));
      return;
    }
    let ip = req.address.host;
    if (req.address.type === 'domain' && !isIPv4(ip)) {
      try {
        ip = (await options.resolver.lookupIPv4(req.address.host))[0];
      } catch (err) {
        fail(req, SOCKS_REPLY.HOST_UNREACHABLE, (err as Error).message);
        return;
      }
    }
    connect(req, ip, rest);
  }

  function connect(req: SocksRequest, ip: string, rest: Buffer): void {
    if (client.destroyed) return; // the client left while its name was being resolved
    const target = net.connect({ host: ip, port: req.port, allowHalfOpen: true });
    let connected = false;
    const timer = setTimeout(() => {
      target.destroy();
      fail(req, SOCKS_REPLY.GENERAL_FAILURE, `no answer from ${ip}:${req.port}`);
    }, options.connectTimeoutMs ?? 30_000);
    target.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      // The reply and the first bytes of the answer are small writes back to back: Nagle would hold
      // the second until the first is acknowledged (a delayed ACK), on either socket.
      target.setNoDelay(true);
      client.setNoDelay(true);
      report({ command: 'connect', target: describe(req), reply: SOCKS_REPLY.SUCCEEDED, detail: `${ip}:${req.port}` });
      client.write(encodeConnectReply(target.localAddress ?? '0.0.0.0', target.localPort ?? 0));
      if (rest.length > 0) target.write(rest);
      // pipe() ends the other side on EOF; allowHalfOpen keeps the opposite direction flowing.
      client.pipe(target);
      target.pipe(client);
    });
    target.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!connected) {
        fail(req, replyCodeForError(err.code), `${ip}:${req.port}: ${err.code ?? err.message}`);
      } else {
        client.destroy();
      }
    });
    // A normal EOF travels through pipe(); only an abort tears the other side down at once.
    client.on('close', (hadError) => {
      if (hadError || !connected) target.destroy();
    });
    target.on('close', (hadError) => {
      if (hadError && connected) client.destroy();
    });
  }
}
