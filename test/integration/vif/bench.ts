// VIF figures (root): for each read mode and MTU, 100 MB down and up through the TUN to the
// loopback "cluster" of servers.ts, and connect-plus-first-byte latency of 200 sequential curls.
// Run: node dist/test/integration/vif/bench.js  (uses and removes the netns tpvif-bench)
import { writeFileSync, rmSync } from 'node:fs';
import { createNetns, curl, deleteNetns, startHarness, startServers } from './netns.js';

const NS = 'tpvif-bench';
const MB = 1 << 20;
const upload = '/tmp/tpvif-bench-100mb';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function run(readMode: 'poll' | 'threadpool', mtu: number): Promise<string> {
  const { harness } = await startHarness(NS, { name: 'tpvifb0', mtu, readMode });
  try {
    const down: number[] = [];
    const up: number[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await curl(NS, 'http://10.130.0.10:18080/bytes/104857600', ['-o', '/dev/null'], '%{size_download} %{speed_download}');
      if (d.code !== 0 || !d.info.startsWith('104857600 ')) throw new Error(`download failed: ${JSON.stringify(d)}`);
      down.push(Number(d.info.split(' ')[1]) / MB);
      const u = await curl(NS, 'http://10.130.0.10:18080/sink', ['--data-binary', `@${upload}`, '-H', 'Expect:'], '%{speed_upload}');
      if (u.code !== 0 || u.body !== 'sank 104857600 bytes\n') throw new Error(`upload failed: ${JSON.stringify(u)}`);
      up.push(Number(u.info) / MB);
    }
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await curl(NS, `http://10.130.1.${i}:18080/hello`, ['-o', '/dev/null'], '%{time_starttransfer}');
      if (r.code !== 0) throw new Error(`request ${i} failed: ${JSON.stringify(r)}`);
      lat.push(Number(r.info) * 1000);
    }
    return `| ${readMode} | ${mtu} | ${median(down).toFixed(0)} | ${median(up).toFixed(0)} | ${pct(lat, 0.5).toFixed(2)} | ${pct(lat, 0.99).toFixed(2)} |`;
  } finally {
    await harness.ask('teardown');
    // In threadpool mode a read() stays blocked in a libuv thread after close(fd): the device
    // lives on and the process cannot exit (libuv joins its threads). One more reason for 'poll'.
    if (readMode === 'threadpool') harness.proc.kill('SIGKILL');
    await harness.proc;
  }
}

writeFileSync(upload, Buffer.alloc(100 * MB, 0x62));
await createNetns(NS);
try {
  await startServers(NS);
  // Arguments pick the runs, e.g. `poll:65000 threadpool:1500`; none: all four.
  const picked = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['poll:65000', 'poll:1500', 'threadpool:65000', 'threadpool:1500'];
  console.log('| read mode | MTU | down MB/s | up MB/s | first byte p50 ms | p99 ms |\n|---|---|---|---|---|---|');
  for (const run1 of picked) {
    const [mode, mtu] = run1.split(':');
    console.log(await run(mode as 'poll' | 'threadpool', Number(mtu)));
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await deleteNetns(NS);
  rmSync(upload, { force: true });
  process.exit();
}
