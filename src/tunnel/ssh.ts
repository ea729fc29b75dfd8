// The SSH connection to the proxy pod's sshd (through the port-forward): one direct-tcpip channel per
// outbound TCP connection, remote forwards for --expose, exec for pod info, sftp for the volumes.
// Loss is reported once.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { ClusterError, HostKeyMismatchError } from '../errors.js';
import { hostKeyCheck, type HostKeyCheck, type PinnedHostKey } from './host-key.js';

/** A value known now, or one still being found out while the handshake runs (--deployment's exec in the pod). */
export type Deferred<T> = T | Promise<T>;

export interface SshOptions {
  host: string;
  port: number;
  /** A promise: the handshake goes on meanwhile and authenticates once it resolves (rejected: the connection fails). */
  username: Deferred<string>;
  privateKey: string;
  /** How long to wait for the handshake, ms. */
  readyTimeoutMs: number;
  /**
   * The only host key accepted (the pod's, read through the API server); another ends the handshake
   * with HostKeyMismatchError. Absent: any key (the tests' own loopback sshd; connectToProxy always pins).
   * A promise: the key exchange goes on meanwhile and the server's key is checked once it resolves; a
   * rejection fails the connection at once, wherever the handshake is.
   */
  hostKey?: Deferred<PinnedHostKey>;
  /** Keepalive interval, ms (default KEEPALIVE_MS); the connection counts as lost after KEEPALIVE_COUNT_MAX unanswered. */
  keepaliveMs?: number;
}

/**
 * A silent loss (a laptop that slept, a port-forward that hangs) is detected within 15 s: ssh2 pings
 * after 3 s without traffic and gives up ("Keepalive timeout") at the 4th interval still unanswered,
 * i.e. at most (3 + 1) x 3 s = 12 s after the last byte from sshd.
 */
export const KEEPALIVE_MS = 3000;
export const KEEPALIVE_COUNT_MAX = 3;

export const LOST_CONNECTION_MESSAGE =
  'Proxy to Kubernetes exited. This is typically due to a lost connection.';

type ForwardHandler = (stream: Duplex) => void;

/** A remote forward: sshd listens on `port` in the pod; cancel() stops it (pushable on an undo stack). */
export interface RemoteForward {
  readonly port: number;
  cancel(): Promise<void>;
}

/** Emits 'lost' (with the reason) once when the connection ends without close() being called. */
export class SshTunnel extends EventEmitter {
  private closing = false;
  /** The handlers of our remote forwards, by the port sshd bound in the pod. */
  private readonly forwards = new Map<number, ForwardHandler>();

  private constructor(private readonly client: ssh2.Client) {
    super();
    const lost = (reason: string) => {
      if (this.closing) return;
      this.closing = true;
      this.emit('lost', reason);
    };
    client.on('error', (err) => lost(err.message));
    client.on('close', () => lost('the SSH connection closed'));
    client.on('tcp connection', (info, accept, reject) => this.dispatch(info, accept, reject));
  }

  static connect(opts: SshOptions): Promise<SshTunnel> {
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let pinned: PinnedHostKey | undefined;
      let check: HostKeyCheck | null = null;
      let done = false;
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        // The socket may still report its reset after this: it must not become an uncaught error.
        client.on('error', () => undefined);
        client.end();
        const refused = check?.refused();
        if (refused && pinned) return reject(new HostKeyMismatchError(pinned.pod, pinned.fingerprint, refused));
        reject(new ClusterError(`cannot open the SSH connection to the proxy pod at ${opts.host}:${opts.port}: ${err.message}`));
      };
      const hostKey = opts.hostKey === undefined ? undefined : Promise.resolve(opts.hostKey);
      hostKey?.then((key) => { pinned = key; check = hostKeyCheck(key); }, (err: Error) => fail(new Error(`the pod's host key is not known: ${err.message}`)));
      const username = Promise.resolve(opts.username);
      if (typeof opts.username !== 'string') username.catch((err: Error) => fail(new Error(`the SSH user is not known: ${err.message}`)));
      client.once('error', fail);
      client.once('ready', () => {
        done = true;
        client.removeListener('error', fail);
        resolve(new SshTunnel(client));
      });
      let authTried = false;
      client.connect({
        host: opts.host,
        port: opts.port,
        // A deferred user: the one attempt goes through authHandler once it is known (ssh2 wants a name here all the same).
        username: typeof opts.username === 'string' ? opts.username : 'pending',
        privateKey: opts.privateKey,
        // One method, the session key: ssh2's own order starts with a 'none' attempt, one more round trip
        // through the port-forward before the key is offered (~10 ms of every start-up and reconnect, measured).
        authHandler: (_left, _partial, next) => {
          // false: no more attempts (ssh2 accepts it; its types do not say so).
          if (authTried) return next(false as unknown as ssh2.AnyAuthMethod);
          authTried = true;
          username.then((user) => next({ type: 'publickey', username: user, key: opts.privateKey }), () => undefined);
        },
        readyTimeout: opts.readyTimeoutMs,
        keepaliveInterval: opts.keepaliveMs ?? KEEPALIVE_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: hostKey ? (key: Buffer, verify: (ok: boolean) => void) => {
          hostKey.then(() => verify(check!.verify(key)), () => verify(false));
        } : () => true,
      });
      // Nagle off from the first byte, not only once connected: the handshake's small packets otherwise wait
      // for the peer's delayed ACK (the service request after NEWKEYS waited ~40 ms of every start-up,
      // measured through the port-forward), and so do later channel opens and short requests.
      client.setNoDelay(true);
    });
  }

  /** A TCP stream to host:port as seen from the pod. */
  openStream(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) reject(err);
        else resolve(channel);
      });
    });
  }

  /**
   * OpenSSH's sshd turns Nagle off on its socket only for an interactive session (one with a pty);
   * with forwarding alone every channel open waits for a delayed ACK (~40 ms per connection, measured).
   * A pty session that does nothing (`cat` waiting on its input) for the life of the connection fixes it.
   */
  requestInteractive(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.exec('exec cat >/dev/null', { pty: true }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A channel to an sshd subsystem (`sftp`: sshfs speaks it over this very connection, no second login). */
  openSubsystem(name: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.subsys(name, (err, channel) => {
        if (err) reject(new ClusterError(`cannot open the ${name} subsystem of the proxy pod's sshd: ${err.message}`));
        else resolve(channel);
      });
    });
  }

  /** Runs a command in the pod and returns its stdout; a non-zero exit is an error with its stderr. */
  exec(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => errOut.push(d));
        channel.on('close', (code: number | null) => {
          if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
          else reject(new ClusterError(`\`${command}\` in the proxy pod exited ${code}: ${Buffer.concat(errOut).toString('utf8').trim()}`));
        });
      });
    });
  }

  /**
   * Asks sshd to listen on bindAddr:port in the pod (port 0: sshd picks one); each connection to it is
   * handed to onConnection. Resolves with the bound port and cancel(), which stops the listener (an undo).
   */
  forwardIn(bindAddr: string, port: number, onConnection: (stream: Duplex) => void): Promise<RemoteForward> {
    if (port !== 0 && this.forwards.has(port)) {
      return Promise.reject(new Error(`port ${port} in the proxy pod is already forwarded to this workstation`));
    }
    return new Promise((resolve, reject) => {
      this.client.forwardIn(bindAddr, port, (err, boundPort) => {
        if (err) return reject(new ClusterError(`cannot listen on ${bindAddr}:${port} in the proxy pod: ${err.message}`));
        this.forwards.set(boundPort, onConnection);
        resolve({ port: boundPort, cancel: () => this.cancelForward(bindAddr, boundPort, onConnection) });
      });
    });
  }

  /** New connections are refused at once; the listener in the pod goes with sshd's answer. */
  private cancelForward(bindAddr: string, port: number, handler: ForwardHandler): Promise<void> {
    if (this.forwards.get(port) === handler) this.forwards.delete(port);
    // A lost or closed connection took its listeners with it.
    if (this.closing) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.client.unforwardIn(bindAddr, port, (err) => (err ? reject(new ClusterError(`cannot stop listening on ${bindAddr}:${port} in the proxy pod: ${err.message}`)) : resolve()));
    });
  }

  /** The one `tcp connection` handler: a connection goes to the forward of its bound port, or is rejected. */
  private dispatch(info: ssh2.TcpConnectionDetails, accept: () => ssh2.ClientChannel, reject: () => void): void {
    const handler = this.forwards.get(info.destPort);
    if (handler) handler(accept());
    else reject();
  }

  close(): void {
    this.closing = true;
    this.client.end();
  }
}
