// The smallest SOCKSv5 client: CONNECT by name through our own listener, for readiness checks.
import net from 'node:net';
import { SOCKS_REPLY, SOCKS_REPLY_TEXT } from '../src/protocol/index.js';

/** Resolves with the connected socket once the server answers CONNECT with success. */
export function socksConnect(port: number, host: string, targetPort: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => fail(new Error(`no SOCKS answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    let buf = Buffer.alloc(0);
    let greeted = false;
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('the SOCKS server closed the connection')));
    sock.on('connect', () => sock.write(Buffer.from([5, 1, 0])));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!greeted) {
        if (buf.length < 2) return;
        if (buf[0] !== 5 || buf[1] !== 0) return fail(new Error('the SOCKS server refused the greeting'));
        greeted = true;
        buf = buf.subarray(2);
        const name = Buffer.from(host);
        const portBytes = Buffer.from([targetPort >> 8, targetPort & 0xff]);
        sock.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, portBytes]));
      }
      if (greeted && buf.length >= 2) {
        if (buf[1] !== SOCKS_REPLY.SUCCEEDED) return fail(new Error(`SOCKS CONNECT ${host}:${targetPort}: ${SOCKS_REPLY_TEXT[buf[1]] ?? `reply ${buf[1]}`}`));
        if (buf.length < 10) return;
        clearTimeout(timer);
        sock.removeAllListeners();
        resolve(sock);
      }
    });
  });
}
