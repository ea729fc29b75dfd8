// The DNS bench's client, node:dns only, so that its compiled text also runs in a pod (`node
// --input-type=module -e`). Asks the first nameserver of /etc/resolv.conf (the cluster's DNS in a pod,
// the session's server on the workstation) for A records of NAMES (comma-separated templates with
// {i}, expanded for i in 0..COUNT-1): one pass of COUNT first-time questions (uncached), one pass of the
// same names again (cached), then QPS_QUESTIONS questions with CONCURRENCY in flight. Prints
// DNSPERF_RESULT {"uncached":{p50,p99},"cached":{p50,p99},"qps":N,"failed":N}.
import { promises as dns } from 'node:dns';
import fs from 'node:fs';

const env = process.env;
const COUNT = Number(env.COUNT ?? 1000);
const CONCURRENCY = Number(env.CONCURRENCY ?? 32);
const QPS_QUESTIONS = Number(env.QPS_QUESTIONS ?? 5000);
const TEMPLATE = env.NAME ?? 'svc-{i}.default.svc.cluster.local';

const server = /^nameserver\s+(\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))?.[1];
if (!server) throw new Error('no nameserver in /etc/resolv.conf');
const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
resolver.setServers([server]);
const names = Array.from({ length: COUNT }, (_, i) => TEMPLATE.replace('{i}', String(i)));
let failed = 0;

async function ask(name: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  try {
    await resolver.resolve4(name);
  } catch {
    failed += 1;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function percentiles(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function pass(): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (const n of names) ms.push(await ask(n));
  return percentiles(ms);
}

async function qps(): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < QPS_QUESTIONS) await ask(names[next++ % names.length]!);
  }));
  return QPS_QUESTIONS / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const uncached = await pass();
const cached = await pass();
const rate = await qps();
console.log(`DNSPERF_RESULT ${JSON.stringify({ server, uncached, cached, qps: rate, failed })}`);
