// A SOCKS client of the --proxy-via relay for the e2e tests, over any stream (an SSH channel of the
// proxy pod's tunnel): the hello with the secret, then one CONNECT or RESOLVE, exact bytes.
import type { Duplex } from 'node:stream';

import { RELAY_HELLO_ACCEPTED, relayClientHello } from '../../../src/protocol/index.js';

/** The next `n` bytes of `stream`; what came after them is put back, and the stream left paused, for the next reader. */
export function take(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < n) return;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      if (buf.length > n) stream.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    const onEnd = (): void => reject(new Error(`the relay closed after ${buf.length} of ${n} bytes: ${buf.toString('hex')}`));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.resume(); // take() pauses the stream when it is done: the next reader resumes it
  });
}

function address(host: string, port: number): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return Buffer.concat([Buffer.from([0x01, ...host.split('.').map(Number)]), p]);
  return Buffer.concat([Buffer.from([0x03, host.length]), Buffer.from(host, 'latin1'), p]);
}

/** The hello; the relay's 4-byte answer as hex ('05020100' accepted). */
export async function hello(stream: Duplex, secret: string): Promise<string> {
  stream.write(Buffer.from(relayClientHello(secret)));
  return (await take(stream, RELAY_HELLO_ACCEPTED.length)).toString('hex');
}

/** CONNECT: the reply code (0 = the stream now reaches host:port from the relay's pod). */
export async function connect(stream: Duplex, secret: string, host: string, port: number): Promise<number> {
  if (await hello(stream, secret) !== '05020100') throw new Error('the relay refused the secret');
  stream.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), address(host, port)]));
  const reply = await take(stream, 10);
  return reply[1]!;
}

/** RESOLVE (F0): the IPv4 address the relay's pod resolves `name` to, or `error <code>`. */
export async function resolve(stream: Duplex, secret: string, name: string): Promise<string> {
  if (await hello(stream, secret) !== '05020100') throw new Error('the relay refused the secret');
  stream.write(Buffer.concat([Buffer.from([0x05, 0xf0, 0x00]), address(name, 0)]));
  const reply = await take(stream, 10);
  stream.end();
  return reply[1] === 0 ? [...reply.subarray(4, 8)].join('.') : `error ${reply[1]}`;
}
