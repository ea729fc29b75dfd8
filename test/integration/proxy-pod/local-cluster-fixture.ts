// Runs inside `unshare -n -m` with a pod's /etc/resolv.conf bind-mounted over the real one: the "cluster
// DNS" on 127.0.0.1:53 (the pod's nameserver; it also answers a name outside the cluster, as a local
// cluster's DNS does by asking the workstation) and a second resolver on 127.0.0.2:53, the local
// cluster's nameserver. The real pod program runs twice, with and without TELEPRESENCE_NAMESERVER,
// and dig asks it; the report says what each resolver was asked and what dig got.
import dns2 from 'dns2';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawClient } from './raw-socks-client.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proxy-pod/src/main.js');
const { Packet } = dns2;

type Records = Record<string, { a?: string; txt?: string }>;

export interface LocalClusterReport {
  /** Per run ("local", "plain"): each question -> dig's answer, and the questions each resolver got. */
  runs: Record<string, { answers: Record<string, string>; socks: Record<string, string>; cluster: string[]; external: string[]; podLog: string }>;
}

function resolverOn(address: string, records: Records, asked: string[]) {
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const q = request.questions[0];
      asked.push(`${q.name.toLowerCase()} ${q.type === Packet.TYPE.TXT ? 'TXT' : q.type === Packet.TYPE.A ? 'A' : q.type}`);
      const r = records[q.name.toLowerCase()];
      if (r === undefined) response.header.rcode = 3;
      else if (q.type === Packet.TYPE.A && r.a) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address: r.a } as never);
      else if (q.type === Packet.TYPE.TXT && r.txt) response.answers.push({ name: q.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 5, data: r.txt } as never);
      void send(response);
    },
  });
  return server.listen({ udp: { port: 53, address } }).then(() => server);
}

/** Tor's RESOLVE (F0) of `name` through the SOCKS server, as torsocks asks (inject-tcp): the IPv4 or `error XX`. */
async function socksResolve(port: number, name: string): Promise<string> {
  const c = new RawClient(port);
  try {
    c.send(Buffer.from([5, 1, 0]));
    await c.take(2);
    c.send(Buffer.concat([Buffer.from([5, 0xf0, 0, 3, name.length]), Buffer.from(name), Buffer.from([0, 0])]));
    const head = await c.take(4, 6000);
    if (head[1] !== 0) return `error ${head[1]!.toString(16).padStart(2, '0')}`;
    return [...(await c.take(4))].join('.');
  } finally {
    c.socket.destroy();
  }
}

const SOCKS_NAMES = ['my-service', 'www.example.org'];
const QUESTIONS: [string, string][] = [['my-service', 'A'], ['www.example.org', 'A'], ['www.example.org', 'TXT'], ['db.corp.internal', 'A']];

async function run(env: Record<string, string>, cluster: string[], external: string[]) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-pod-state-'));
  const pod = execa(process.execPath, [MAIN], {
    env: { TELEPRESENCE_LISTEN_HOST: '127.0.0.1', TELEPRESENCE_SOCKS_PORT: '0', TELEPRESENCE_DNS_PORT: '0', TELEPRESENCE_STATE_DIR: state, ...env },
    reject: false,
  });
  let podLog = '';
  pod.stdout!.on('data', (d: Buffer) => (podLog += d.toString()));
  const deadline = Date.now() + 10_000;
  let port = 0;
  while (port === 0) {
    if (Date.now() > deadline) throw new Error(`the pod program did not start: ${podLog}`);
    port = Number(/DNS on 127\.0\.0\.1:(\d+)\/udp/.exec(podLog)?.[1] ?? 0);
    await new Promise((r) => setTimeout(r, 20));
  }
  cluster.length = 0;
  external.length = 0;
  const answers: Record<string, string> = {};
  for (const [name, type] of QUESTIONS) {
    const r = await execa('dig', ['@127.0.0.1', '-p', String(port), name, type, '+short', '+time=3', '+tries=1'], { reject: false });
    answers[`${name} ${type}`] = r.stdout.trim();
  }
  const socksPort = Number(/SOCKS \(wire v\d+\) on 127\.0\.0\.1:(\d+)/.exec(podLog)?.[1] ?? 0);
  const socks: Record<string, string> = {};
  for (const name of SOCKS_NAMES) socks[name] = await socksResolve(socksPort, name);
  pod.kill('SIGKILL');
  await pod;
  fs.rmSync(state, { recursive: true, force: true });
  return { answers, socks, cluster: [...cluster], external: [...external], podLog };
}

async function main(): Promise<void> {
  const cluster: string[] = [];
  const external: string[] = [];
  const servers = [
    await resolverOn('127.0.0.1', {
      'my-service.ns1.svc.cluster.local': { a: '10.96.0.11' },
      'www.example.org': { a: '10.0.0.80', txt: 'from the cluster' },
      'db.corp.internal': { a: '10.0.0.5' },
    }, cluster),
    await resolverOn('127.0.0.2', { 'www.example.org': { a: '192.0.2.80', txt: 'from the external nameserver' }, 'db.corp.internal': { a: '192.0.2.5' } }, external),
  ];
  const report: LocalClusterReport = {
    runs: {
      local: await run({ TELEPRESENCE_NAMESERVER: '127.0.0.2', TELEPRESENCE_LOCAL_NAMES: 'corp.internal' }, cluster, external),
      plain: await run({}, cluster, external),
    },
  };
  for (const s of servers) await s.close();
  process.stdout.write(JSON.stringify(report));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
