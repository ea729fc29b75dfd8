// One TCP exchange with a listener on 127.0.0.1, for tests of listeners that relay to somewhere else.
import net from 'node:net';

/** Connects to 127.0.0.1:port, sends `text` and ends; resolves to all it got back, or `error CODE`. */
export function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    s.on('close', () => resolve(got));
  });
}
