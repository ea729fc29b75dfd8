// Run as the command of a vpn-tcp session (bench:dns's flood table, test/e2e/session/dns-flood.test.ts): measures `curl http://echo:8080`
// (a name looked up through the session's DNS server, then a TCP connection through the TUN) in
// rounds, without and with a child flooding that DNS server with malformed messages, so that the
// machine's other load weighs on both alike; prints one JSON line.
//   node dns-flood-probe.js URL COUNT               COUNT curls each way
//   node dns-flood-probe.js --flood HOST PORT RATE   the flooder (floods while told to, until killed)
import { execFile, fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What a hostile stub sends: each must be answered FORMERR or dropped, at once, with no look-up. */
function malformed(i: number): Buffer {
  const id = [i >> 8 & 0xff, i & 0xff];
  switch (i % 6) {
    case 0: return Buffer.from([...id, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // counts that lie
    case 1: return Buffer.concat([Buffer.from([...id, 1, 0, 0x03, 0xe8, 0, 0, 0, 0, 0, 0]), Buffer.alloc(5000, Buffer.from([0, 0, 1, 0, 1]))]); // 1,000 questions
    case 2: return Buffer.from([...id, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]); // a pointer to itself
    case 3: return Buffer.from([...id, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]); // a response
    case 4: return Buffer.from([...id, 1]); // shorter than a header
    default: return Buffer.from(Array.from({ length: 40 }, (_, k) => (i * 31 + k * 7) & 0xff)); // noise
  }
}

function flood(host: string, port: number, rate: number): void {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let sent = 0;
  let answered = 0;
  socket.on('message', () => (answered += 1));
  let on = false;
  let last = Date.now();
  process.on('message', (m: { flood: boolean }) => {
    on = m.flood;
    last = Date.now();
    process.send?.({ sent, answered, on });
  });
  let owed = 0;
  setInterval(() => {
    // `rate` per second while on, spread over 2 ms ticks (a steady stream, not bursts).
    const now = Date.now();
    if (on) {
      owed += ((now - last) * rate) / 1000;
      for (; owed >= 1; owed--) socket.send(malformed(sent++), port, host);
    }
    last = now;
  }, 2);
}

/** Tells the flooder to start or stop, and waits until it says so; its counts so far. */
function setFlood(child: ChildProcess, flood: boolean): Promise<{ sent: number; answered: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { sent: number; answered: number }));
    child.send({ flood });
  });
}

function curlMs(url: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile('curl', ['-sS', '-o', '/dev/null', '--max-time', '20', '-w', '%{time_total}', url], (err, stdout) =>
      err ? reject(err) : resolve(Number(stdout) * 1000)));
}

async function series(url: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await curlMs(`${url}/${i}`));
  return out;
}

async function measure(url: string, count: number): Promise<void> {
  const nameserver = /^nameserver\s+(\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))?.[1];
  if (nameserver === undefined) throw new Error('no nameserver in /etc/resolv.conf');
  await series(url, 5); // warm: the name is in the session's cache, connections have been made
  const child = fork(fileURLToPath(import.meta.url), ['--flood', nameserver, '53', process.env.FLOOD_RATE ?? '2000']);
  const quiet: number[] = [];
  const flooded: number[] = [];
  for (let round = 0; round < count / 5; round++) {
    quiet.push(...(await series(url, 5)));
    await setFlood(child, true);
    await new Promise((r) => setTimeout(r, 50)); // the flood under way
    flooded.push(...(await series(url, 5)));
    await setFlood(child, false);
  }
  await new Promise((r) => setTimeout(r, 200)); // the last answers back
  const counts = await setFlood(child, false);
  child.kill();
  console.log(JSON.stringify({ nameserver, quiet, flooded, ...counts }));
}

const args = process.argv.slice(2);
if (args[0] === '--flood') flood(args[1], Number(args[2]), Number(args[3]));
else void measure(args[0], Number(args[1] ?? 40)).catch((err: unknown) => {
  console.error(String(err));
  process.exit(1);
});
