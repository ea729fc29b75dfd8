// Runs inside `unshare -n -m` with a pod-like /etc/resolv.conf (search paths, ndots:5) bind-mounted
// over the real one: a fake cluster DNS on 127.0.0.1:53 knows only fully qualified names, and the
// pod's servers, using the system resolver (getaddrinfo), must find them from short names.
import dns2 from 'dns2';
import net from 'node:net';
import { execa } from 'execa';
import { systemResolver } from '../../../proxy-pod/src/resolver.js';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { systemUpstream } from '../../../proxy-pod/src/dns/upstream.js';
import { listenSocks } from '../../../proxy-pod/src/socks/server.js';

export const CLUSTER_RECORDS: Record<string, string> = {
  'my-service.ns1.svc.cluster.local': '10.96.0.11',
  'service.other-ns.svc.cluster.local': '10.96.0.12',
  'x.y.ns1.svc.cluster.local': '10.96.0.13',
  'leave-me.local': '10.96.0.14',
};

export interface ResolverReport {
  lookups: Record<string, string[] | string>;
  dig: Record<string, string>;
  socksResolve: Record<string, string>;
  clusterDnsQueries: string[];
  /** dig +short of an SRV record through the pod DNS (forwarded to the pod's nameserver). */
  srv: string;
}

async function socksResolve(port: number, name: string): Promise<string> {
  const s = net.connect(port, '127.0.0.1');
  s.end(Buffer.concat([Buffer.from('050100' + '05f00003', 'hex'), Buffer.from([name.length]), Buffer.from(name), Buffer.from('0000', 'hex')]));
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('hex');
}

async function main(): Promise<void> {
  const { Packet } = dns2;
  const queries: string[] = [];
  const clusterDns = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const q = request.questions[0];
      queries.push(`${q.name} ${q.type}`);
      const ip = CLUSTER_RECORDS[q.name.toLowerCase()];
      if (q.name === '_http._tcp.my-service.ns1.svc.cluster.local' && q.type === Packet.TYPE.SRV) {
        response.answers.push({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 30, priority: 0, weight: 100, port: 80, target: 'my-service.ns1.svc.cluster.local' } as never);
      } else if (ip !== undefined && q.type === Packet.TYPE.A) {
        response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address: ip } as never);
      } else if (ip === undefined) {
        response.header.rcode = 3;
      }
      void send(response);
    },
  });
  await clusterDns.listen({ udp: { port: 53, address: '127.0.0.1' } });
  const podDns = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: systemResolver, upstream: systemUpstream() });
  const socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver: systemResolver });

  const names = ['my-service', 'service.other-ns', 'x.y.ns1.svc', 'leave-me.local', 'no-such-service'];
  const digSrv = await execa('dig', ['@127.0.0.1', '-p', String(podDns.udpPort), '_http._tcp.my-service.ns1.svc.cluster.local', 'SRV', '+short', '+time=3', '+tries=1']);
  const report: ResolverReport = { lookups: {}, dig: {}, socksResolve: {}, clusterDnsQueries: queries, srv: digSrv.stdout };
  for (const name of names) {
    report.lookups[name] = await systemResolver.lookupIPv4(name).catch((e: Error) => e.message);
    const dig = await execa('dig', ['@127.0.0.1', '-p', String(podDns.udpPort), name, 'A', '+time=3', '+tries=1', '+noall', '+comments', '+answer'], { reject: false });
    const status = /status: (\w+)/.exec(dig.stdout)?.[1] ?? '?';
    const answers = dig.stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).filter(Boolean).join(' '));
    report.dig[name] = [status, ...answers].join(' | ');
    report.socksResolve[name] = await socksResolve(socks.port, name);
  }
  await socks.close();
  await podDns.close();
  await clusterDns.close();
  process.stdout.write(JSON.stringify(report));
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
