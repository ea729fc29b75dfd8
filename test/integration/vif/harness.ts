// Runs the real VIF inside a test network namespace (started with `ip netns exec`), with a
// connector to the servers of servers.ts on 127.0.0.1. Speaks JSON lines: it prints
// {"ready":...} and then answers the stdin commands "stats", "dials" and "teardown".
import net from 'node:net';
import { Duplex } from 'node:stream';
import { serveVif } from './harness-lines.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { name?: string; mtu?: number; natLingerMs?: number; readMode?: 'poll' | 'threadpool'; gate?: boolean };
/** With config.gate, dials to 10.130.0.95 wait here until the stdin command "open" (a slow cluster side). */
const gated: (() => void)[] = [];
const dials: string[] = [];

/** The cluster: 10.130.0.0/16 is served by servers.ts; 10.130.0.99 is unreachable; the rest refuses. */
function connect(destIp: string, destPort: number): Promise<Duplex> {
  if (config.gate && destIp === '10.130.0.95') {
    dials.push(`${destIp}:${destPort} (gated)`);
    return new Promise<void>((resolve) => gated.push(resolve)).then(() => dialLocal(destPort));
  }
  dials.push(`${destIp}:${destPort}`);
  if (destIp === '10.130.0.99') {
    return new Promise((_, reject) => setTimeout(() => reject(new Error('connect EHOSTUNREACH 10.130.0.99')), 20));
  }
  // Streams that take the request and never answer: .98 is torn down at once (before the listener
  // accepts the client's connection), .97 after 300 ms (after the accept), .96 never (until teardown).
  if (['10.130.0.98', '10.130.0.97', '10.130.0.96'].includes(destIp)) {
    let heard = false;
    const stream = new Duplex({
      read() {},
      write: (_chunk, _enc, done) => {
        if (!heard) dials.push(`${destIp}:${destPort} got the request`);
        heard = true;
        done();
      },
    });
    if (destIp === '10.130.0.98') process.nextTick(() => stream.destroy());
    if (destIp === '10.130.0.97') setTimeout(() => stream.destroy(new Error('channel broke')), 300);
    return Promise.resolve(stream);
  }
  if (!destIp.startsWith('10.130.')) return Promise.reject(new Error(`connect ECONNREFUSED ${destIp}`));
  return dialLocal(destPort);
}

function dialLocal(destPort: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: destPort, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** VNAT: 211.55.0.0/16 stands for 10.130.0.0/16. */
const translate = (ip: string): string => (ip.startsWith('211.55.') ? ip.replace(/^211\.55\./, '10.130.') : ip);

await serveVif({
  name: config.name,
  mtu: config.mtu,
  address: '198.18.0.1/16',
  routes: ['10.130.0.0/16', '211.55.0.0/16', 'fd00:130::/64'],
  connect,
  translate,
  dns: { ip: '198.18.0.2', onDnsPacket: (query, reply, from) => reply(Buffer.from(`answer to ${query.toString()} from ${from.ip}`)) },
  natLingerMs: config.natLingerMs,
  connectTimeoutMs: 2000,
  readMode: config.readMode,
}, {
  stats: (vif) => vif.stats(),
  dials: () => dials,
  open: () => ({ opened: gated.splice(0).map((release) => release()).length }),
});
