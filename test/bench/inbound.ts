// Inbound: a client pod's connect + 1-byte request + first byte (p50/p99 of 200) and 100 MB downloads (median
// of 3) from a server on this workstation, through `--expose` (ssh2 remote forwards on the session's connection)
// and through OpenSSH's `ssh -N -R` over `kubectl port-forward` to the proxy image's sshd (what Telepresence 1
// ran), against a server pod reached from the client pod directly (the limit).
// Run: npm run build && npm run bench:inbound (root; starts the cluster and builds images if needed), or as part
// of `npm run bench` (all.ts: runInboundBench). Aims: `--expose` moves at least `ssh -N -R`'s MB/s at a p50 no worse.
// BENCH_VARIANTS=direct,expose,ssh-r,ssh-r-tty picks variants; BENCH_BYTES, BENCH_BULK_RUNS, BENCH_REQUESTS change the sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../helpers/ports.js';
import { aimLine, runIfMain } from './aims.js';
import { formatResult, NETPERF, netperfPod, runClientPod, SIZES, startBench } from './netperf-pods.js';
import { must, ROOT, startUntil, type Background, type NetperfResult } from './procs.js';

const NS = 'tp-bench-in';
// ssh-r-tty: the same ssh -R with a pty session (as --expose's connection keeps), for reference: OpenSSH turns
// Nagle off on both ends only for a session with a pty, so without one each connection waits for a delayed ACK.
const ALL = ['direct', 'expose', 'ssh-r', 'ssh-r-tty'] as const;
type Variant = (typeof ALL)[number];
const LABELS: Record<Variant, string> = {
  direct: 'direct (a server pod: the limit)',
  expose: '`--expose` (ssh2 remote forwards)',
  'ssh-r': 'OpenSSH `ssh -N -R` (Telepresence 1)',
  'ssh-r-tty': 'OpenSSH `ssh -tt -R` (a pty session, for reference)',
};
/** The ports the cluster's client requests; the workstation's server listens on free ports of its own. */
const BULK = 9001;
const LAT = 9002;
/** How long the client retries its first request while a forward or a Service rule is still being set up. */
const WAIT_MS = '60000';

const serverEnv = (env: NodeJS.ProcessEnv, bulk: number, lat: number): NodeJS.ProcessEnv =>
  ({ ...env, ...SIZES, NETPERF: 'server', BULK_PORT: String(bulk), LAT_PORT: String(lat) });

function serviceIP(env: NodeJS.ProcessEnv, name: string): string {
  return must('kubectl', ['-n', NS, 'get', 'service', name, '-o', 'jsonpath={.spec.clusterIP}'], { env }).trim();
}

/** Stops each background process, last started first. */
async function stopAll(procs: Background[]): Promise<void> {
  for (const p of procs.reverse()) await p.stop();
}

async function direct(env: NodeJS.ProcessEnv): Promise<NetperfResult> {
  must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: netperfPod('netperf-server', { NETPERF: 'server' }, 'Always') });
  must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', 'pod/netperf-server', '--timeout=90s'], { env });
  const ip = must('kubectl', ['-n', NS, 'get', 'pod', 'netperf-server', '-o', 'jsonpath={.status.podIP}'], { env }).trim();
  return runClientPod(env, NS, 'client-direct', { HOST: ip });
}

/** telepresence --new-deployment expose-server --expose L:9001 --expose L:9002 --run <netperf server>. */
async function viaExpose(env: NodeJS.ProcessEnv, dir: string): Promise<NetperfResult> {
  const [bulk, lat] = [await freePort(), await freePort()];
  const session = await startUntil(path.join(ROOT, 'bin/telepresence'), ['--method', 'inject-tcp', '--namespace', NS,
    '--logfile', path.join(dir, 'expose.log'), '--new-deployment', 'expose-server',
    '--expose', `${bulk}:${BULK}`, '--expose', `${lat}:${LAT}`, '--run', process.execPath, NETPERF],
  /netperf server on/, serverEnv(env, bulk, lat), 180_000);
  try {
    return await runClientPod(env, NS, 'client-expose', { HOST: serviceIP(env, 'expose-server'), WAIT_MS });
  } finally {
    await session.stop();
    // The session's own teardown (forwards, Service, Deployment) must have succeeded too.
    if (session.proc.exitCode !== 0) console.error(`bench: expose: telepresence exited ${session.proc.exitCode ?? session.proc.signalCode}: ${session.output().slice(-1500)}`);
  }
}

/**
 * The same server here, exposed as Telepresence 1 did: its `ssh -N -R *:REMOTE:127.0.0.1:LOCAL` arguments
 * (connect/ssh.py, connect/expose.py) to a pod of the proxy image through `kubectl port-forward`, and a
 * Service to that pod's ports. ssh-r-tty: `-tt` and a remote `sleep` in place of `-N`.
 */
async function viaSshR(env: NodeJS.ProcessEnv, dir: string, v: 'ssh-r' | 'ssh-r-tty'): Promise<NetperfResult> {
  const name = `${v}-proxy`;
  const [bulk, lat] = [await freePort(), await freePort()];
  const procs: Background[] = [];
  try {
    procs.push(await startUntil(process.execPath, [NETPERF], /netperf server on/, serverEnv(env, bulk, lat)));
    const key = path.join(dir, `${v}-key`);
    must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tp-bench', '-f', key]);
    const image = must('sh', ['proxy-pod/build.sh', '--print-tag']).trim();
    const labels = { app: name };
    const ports = [BULK, LAT].map((p) => ({ name: `p${p}`, port: p, targetPort: p }));
    must('kubectl', ['-n', NS, 'apply', '-f', '-'], { env, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
        spec: { containers: [{ name: 'proxy', image, imagePullPolicy: 'Never',
          env: [{ name: 'TELEPRESENCE_SSH_PUBKEY', value: fs.readFileSync(`${key}.pub`, 'utf8').trim() }],
          readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports } },
    ] }) });
    must('kubectl', ['-n', NS, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=90s'], { env });
    const pf = await startUntil('kubectl', ['-n', NS, 'port-forward', `pod/${name}`, ':8022'], /127\.0\.0\.1:\d+ -> 8022/, env);
    procs.push(pf);
    const port = /127\.0\.0\.1:(\d+) -> 8022/.exec(pf.output())![1];
    // ssh -q prints nothing once it is up: the client's first answered request (WAIT_MS) is the readiness.
    const ssh = await startUntil('ssh', [v === 'ssh-r' ? '-N' : '-tt', '-oServerAliveInterval=1', '-oServerAliveCountMax=10',
      '-F', '/dev/null', '-q', '-oStrictHostKeyChecking=no', '-oUserKnownHostsFile=/dev/null', '-i', key, '-oIdentitiesOnly=yes',
      '-oExitOnForwardFailure=yes', '-p', port, 'telepresence@127.0.0.1', '-R', `*:${BULK}:127.0.0.1:${bulk}`, '-R', `*:${LAT}:127.0.0.1:${lat}`,
      ...(v === 'ssh-r' ? [] : ['exec sleep 2147483647'])], null, env);
    procs.push(ssh);
    return await runClientPod(env, NS, `client-${v}`, { HOST: serviceIP(env, name), WAIT_MS }).catch((err: Error) => {
      throw new Error(`${err.message}\nssh (${ssh.proc.exitCode ?? 'running'}): ${ssh.output().slice(-1500)}`);
    });
  } finally {
    await stopAll(procs);
  }
}

/** Runs the bench; returns its table and aim lines (a variant that failed sets process.exitCode 1). */
export async function runInboundBench(): Promise<string> {
  const { picked, env } = startBench(ALL);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-in-'));
  const results = new Map<Variant, NetperfResult | string>();
  must('kubectl', ['create', 'namespace', NS], { env });
  try {
    for (const v of picked) {
      console.error(`bench: ${v} ...`);
      try {
        results.set(v, await (v === 'direct' ? direct(env) : v === 'expose' ? viaExpose(env, dir) : viaSshR(env, dir, v)));
      } catch (err) {
        console.error(`bench: ${v} failed: ${(err as Error).message}`);
        results.set(v, `failed: ${(err as Error).message.split('\n')[0].slice(0, 80)}`);
      }
    }
  } finally {
    must('kubectl', ['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out: string[] = [];
  out.push(`inbound, a client pod to a server on this workstation: throughput: median of ${SIZES.BULK_RUNS} downloads of ` +
    `${(Number(SIZES.BYTES) / 1048576).toFixed(0)} MB; latency: connect + 1-byte request + first byte, ${SIZES.REQUESTS} sequential requests`);
  out.push('| path | MB/s | each run MB/s | p50 ms | p99 ms |', '|---|---|---|---|---|');
  for (const v of picked) out.push(`| ${LABELS[v]} ${formatResult(results.get(v) ?? 'not run')}`);
  const ours = results.get('expose');
  const tp1 = results.get('ssh-r');
  if (typeof ours === 'object' && typeof tp1 === 'object') {
    out.push(aimLine('inbound: --expose throughput at least ssh -N -R\'s', ours.mbps >= tp1.mbps,
      `${ours.mbps.toFixed(1)} vs ${tp1.mbps.toFixed(1)} MB/s, ${(ours.mbps / tp1.mbps).toFixed(2)}x`));
    out.push(aimLine('inbound: --expose p50 no worse than ssh -N -R\'s', ours.p50 <= tp1.p50,
      `${ours.p50.toFixed(2)} vs ${tp1.p50.toFixed(2)} ms; p99 ${ours.p99.toFixed(2)} vs ${tp1.p99.toFixed(2)} ms`));
  } else if (picked.includes('expose') && picked.includes('ssh-r')) {
    out.push(aimLine('inbound: --expose against ssh -N -R', false, `expose ${typeof ours === 'string' ? ours : 'not run'}, ssh -N -R ${typeof tp1 === 'string' ? tp1 : 'not run'}`));
  }
  if ([...results.values()].some((r) => typeof r === 'string')) process.exitCode = 1;
  return `${out.join('\n')}\n`;
}

runIfMain(import.meta.url, runInboundBench);
