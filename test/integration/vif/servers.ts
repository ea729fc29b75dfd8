// The "cluster" of the VIF tests, run inside the test's network namespace as its own process so
// the VIF process only moves packets: HTTP on 127.0.0.1:18080 (/hello, /bytes/N, /wait/MS, POST /sink) and, on :18007,
// a half-close probe that reads to EOF, then answers with the byte count and ends.
import http from 'node:http';
import net from 'node:net';

const CHUNK = Buffer.alloc(1 << 20, 0x61);

const web = http.createServer((req, res) => {
  const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  const wait = /^\/wait\/(\d+)$/.exec(req.url ?? '');
  if (req.url === '/sink') {
    let count = 0;
    req.on('data', (d: Buffer) => (count += d.length));
    req.on('end', () => res.end(`sank ${count} bytes\n`));
  } else if (req.url === '/hello') {
    res.end(`hello from ${req.socket.localAddress}:${req.socket.localPort}\n`);
  } else if (wait) {
    // Holds the connection open, so concurrent requests overlap for sure.
    setTimeout(() => res.end(`waited ${wait[1]} ms\n`), Number(wait[1]));
  } else if (bytes) {
    let left = Number(bytes[1]);
    res.writeHead(200, { 'content-length': String(left) });
    const more = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  } else {
    res.writeHead(404).end('no such page\n');
  }
});

const probe = net.createServer({ allowHalfOpen: true }, (socket) => {
  let count = 0;
  socket.on('data', (d: Buffer) => (count += d.length));
  socket.on('end', () => socket.end(`got ${count} bytes after your EOF\n`));
  socket.on('error', () => {});
});

web.listen(18080, '127.0.0.1', () => probe.listen(18007, '127.0.0.1', () => console.log('servers ready')));
