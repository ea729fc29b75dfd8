// Both ends of early.test.ts, run inside the test's namespace (JSON lines on stdout):
//   server PORT: on 127.0.0.1:PORT, reads to EOF, answers "sha256 HEX N" and ends; prints {"listening":PORT}.
//   client HOST PORT BYTES: connects, prints {"connected":true} on connect, sends BYTES bytes of a pattern
//     and its EOF at once, then prints {"answer":...} (all it read) or {"error":CODE} (connect() failed or reset).
import crypto from 'node:crypto';
import net from 'node:net';

const [mode, a, b, c] = process.argv.slice(2);
const say = (obj: unknown): void => void process.stdout.write(JSON.stringify(obj) + '\n');

/** The bytes a client sends: a pattern, so that a reordered or lost piece changes the digest. */
export const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

if (mode === 'server') {
  net.createServer({ allowHalfOpen: true }, (socket) => {
    const hash = crypto.createHash('sha256');
    let n = 0;
    socket.on('data', (d: Buffer) => (hash.update(d), (n += d.length)));
    socket.on('end', () => socket.end(`sha256 ${hash.digest('hex')} ${n}`));
    socket.on('error', () => {});
  }).listen(Number(a), '127.0.0.1', () => say({ listening: Number(a) }));
} else if (mode === 'client') {
  const socket = net.connect({ host: a, port: Number(b), allowHalfOpen: true });
  let answer = '';
  socket.once('connect', () => {
    say({ connected: true });
    socket.end(pattern(Number(c)));
  });
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  socket.on('end', () => (say({ answer }), process.exit(0)));
  socket.on('error', (err: NodeJS.ErrnoException) => (say({ error: err.code ?? err.message }), process.exit(0)));
}
