// The echo server of the test images: answers every HTTP request on $PORT (default 8080) with JSON
// naming the pod, its IP, the request's method, path and headers, and the client's address.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import os from 'node:os';

function podIp() {
  if (process.env.POD_IP) return process.env.POD_IP;
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}

const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      pod: process.env.POD_NAME || os.hostname(),
      podIp: podIp(),
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      client: { address: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), port: req.socket.remotePort },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, () => console.log(`echo server listening on ${port}`));
// PID 1 in a container gets no default SIGTERM handler: exit at once so pods stop quickly.
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
