// The pod's volumes through the mount: read throughput of a 50 MB file and the time of `ls -R` over
// 1,000 small files under $TELEPRESENCE_ROOT, against `kubectl cp` of the same data (the yardstick).
// Run: npm run build && npm run bench:mount (root; starts the cluster and builds the proxy image if needed), or as
// part of `npm run bench` (all.ts: runMountBench). Aims: the cold read at least kubectl cp's MB/s, ls -R faster
// than kubectl cp of the small files.
// BENCH_MB and BENCH_FILES change the sizes. The measuring half runs as the session's user process.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { aimLine } from './aims.js';
import { must, ROOT, runBounded } from './procs.js';

const NS = 'tp-bench-mount';
const MB = Number(process.env.BENCH_MB ?? 50);
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const DATA = '/tmp/bench';

function seconds<T>(work: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const out = work();
  return [out, Number(process.hrtime.bigint() - t0) / 1e9];
}

async function secondsAsync<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const out = await work();
  return [out, Number(process.hrtime.bigint() - t0) / 1e9];
}

/** In the session: makes the data in the pod, then measures the mount and kubectl cp. */
async function measure(): Promise<void> {
  const root = process.env.TELEPRESENCE_ROOT;
  const pod = process.env.TELEPRESENCE_POD;
  if (!root || !pod) throw new Error('bench: no TELEPRESENCE_ROOT / TELEPRESENCE_POD: is sshfs installed?');
  const kubectl = (args: string[]) => execFileSync('kubectl', ['-n', NS, ...args], { maxBuffer: 1 << 30 });
  kubectl(['exec', pod, '--', 'sh', '-c',
    `mkdir -p ${DATA}/small && head -c ${MB * 1048576} /dev/urandom > ${DATA}/big && cd ${DATA}/small && i=0; while [ $i -lt ${FILES} ]; do echo $i > f$i; i=$((i+1)); done`]);
  // Async reads: this process does not serve the mount, but sync calls would hold its event loop for nothing.
  const [big, readS] = await secondsAsync(() => readFile(path.join(root, DATA, 'big')));
  const [listing, lsS] = seconds(() => execFileSync('ls', ['-R', path.join(root, DATA, 'small')], { maxBuffer: 1 << 26 }).toString());
  const listed = listing.split('\n').filter((l) => /^f\d+$/.test(l)).length;
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-cp-'));
  try {
    const [, cpBigS] = seconds(() => kubectl(['cp', `${pod}:${DATA}/big`, path.join(local, 'big')]));
    const [, cpSmallS] = seconds(() => kubectl(['cp', `${pod}:${DATA}/small`, path.join(local, 'small')]));
    const copied = fs.statSync(path.join(local, 'big')).size;
    if (big.length !== MB * 1048576 || copied !== big.length || listed !== FILES) {
      throw new Error(`bench: read ${big.length} bytes, copied ${copied}, listed ${listed} of ${FILES} files`);
    }
    console.log(`| ${MB} MB file | ${(MB / readS).toFixed(1)} MB/s (${readS.toFixed(2)} s) | ${(MB / cpBigS).toFixed(1)} MB/s (${cpBigS.toFixed(2)} s) |`);
    console.log(`| ${FILES} small files | ls -R ${(lsS * 1000).toFixed(0)} ms | kubectl cp ${(cpSmallS * 1000).toFixed(0)} ms |`);
    console.log(`MOUNT_RESULT ${JSON.stringify({ readS, cpBigS, lsS, cpSmallS })}`);
  } finally {
    fs.rmSync(local, { recursive: true, force: true });
  }
}

interface MountResult { readS: number; cpBigS: number; lsS: number; cpSmallS: number }

/** Runs the bench (a session whose user process is this file again); returns its table and aim lines. */
export async function runMountBench(): Promise<string> {
  const kubeconfig = must(process.execPath, [path.join(ROOT, 'dist/test/cluster/cli.js'), 'up']).trim().split('\n').pop()!;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  must('sh', ['proxy-pod/build.sh']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-mount-'));
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    const out = await runBounded(path.join(ROOT, 'bin/telepresence'), ['--method', 'inject-tcp', '--namespace', NS, '--logfile', path.join(dir, 'tp.log'),
      '--run', process.execPath, fileURLToPath(import.meta.url)], { ...env, BENCH_MOUNT_CHILD: '1' }, 600_000);
    const m = /^MOUNT_RESULT (\{.*\})$/m.exec(out);
    if (!m) throw new Error(`bench: mount: no MOUNT_RESULT line in the session's output:\n${out.slice(-3000)}`);
    const r = JSON.parse(m[1]) as MountResult;
    // The session's own lines (T: ...) come with the output: only the table's rows.
    return ['| data | through the mount ($TELEPRESENCE_ROOT, sshfs) | kubectl cp |', '|---|---|---|',
      ...out.split('\n').filter((l) => l.startsWith('| ')),
      aimLine(`mount: cold read of ${MB} MB at least kubectl cp's MB/s`, r.readS <= r.cpBigS,
        `${(MB / r.readS).toFixed(1)} vs ${(MB / r.cpBigS).toFixed(1)} MB/s, ${(r.cpBigS / r.readS).toFixed(2)}x`),
      aimLine(`mount: ls -R of ${FILES} small files faster than kubectl cp of them`, r.lsS < r.cpSmallS,
        `${(r.lsS * 1000).toFixed(0)} vs ${(r.cpSmallS * 1000).toFixed(0)} ms`), ''].join('\n');
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (process.env.BENCH_MOUNT_CHILD && isMain) {
  measure().catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
} else if (isMain) {
  runMountBench().then((text) => process.stdout.write(text), (err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
