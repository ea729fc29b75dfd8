// A raw TCP client for SOCKS conformance tests: send exact bytes, take exact byte counts, see the
// server's EOF. Reusable against a port-forwarded pod (e2e) as well as on loopback.
import net from 'node:net';

/** A raw client: everything received, and whether the server closed its side. */
export class RawClient {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  ended = false;
  private waiters: (() => void)[] = [];
  constructor(port: number, host = '127.0.0.1') {
    this.socket = net.connect({ host, port, allowHalfOpen: true });
    this.socket.on('data', (d) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on('error', () => undefined);
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  /** Wait until `n` bytes arrived (or the server ended), then take them. */
  async take(n: number, timeoutMs = 3000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n && !this.ended) {
      if (Date.now() > deadline) throw new Error(`only ${this.received.length} of ${n} bytes: ${this.received.toString('hex')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    const out = this.received.subarray(0, n);
    this.received = this.received.subarray(n);
    return out;
  }
  async untilEnd(timeoutMs = 3000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('server did not close');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    const out = this.received;
    this.received = Buffer.alloc(0);
    return out;
  }
  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }
}
