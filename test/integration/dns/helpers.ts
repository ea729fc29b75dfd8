// Shared by the DNS integration tests: the real `dig`, and a fake "original" nameserver (dns2 on a
// loopback port) that records what it was asked.
import { execa } from 'execa';
import dns2 from 'dns2';

const { Packet } = dns2;
type DnsRecord = InstanceType<typeof Packet>['answers'][number];

export interface DigResult {
  status: string;
  answers: string[];
  flags: string;
}

/** `dig @server -p port name type` (+tcp when asked), answer lines with single spaces. */
export async function dig(server: string, port: number, name: string, type = 'A', extra: string[] = []): Promise<DigResult> {
  const args = [`@${server}`, '-p', String(port), name, type, '+time=3', '+tries=1', '+noall', '+comments', '+answer', ...extra];
  const { stdout } = await execa('dig', args);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? `no status in: ${stdout}`;
  const flags = /;; flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '';
  const answers = stdout
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(/\s+/).filter(Boolean).join(' '));
  return { status, answers, flags };
}

export interface FakeNameserver {
  port: number;
  asked: string[];
  close(): Promise<void>;
}

/** A nameserver on 127.0.0.1 (UDP and TCP on one port) answering A from `table`, NXDOMAIN otherwise. */
export async function fakeNameserver(table: Record<string, string[]>, host = '127.0.0.1', port = 0): Promise<FakeNameserver> {
  const asked: string[] = [];
  const handle = (request: InstanceType<typeof Packet>, send: (r: InstanceType<typeof Packet>) => unknown): void => {
      const response = Packet.createResponseFromRequest(request);
      response.header.ra = 1;
      const q = request.questions[0];
      asked.push(`${q.name} ${q.type}`);
      const ips = table[q.name.toLowerCase()];
      if (ips === undefined) response.header.rcode = 3;
      else if (q.type === Packet.TYPE.A) {
        for (const address of ips) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: 1, ttl: 300, address } as DnsRecord);
      }
      void Promise.resolve(send(response)).catch(() => undefined);
  };
  // UDP first on a free port, then TCP on the same one (nameservers in resolv.conf are one port); the
  // UDP port's TCP twin may be taken by something else: then another pair (as listenWorkstationDns does).
  for (let attempt = 0; ; attempt++) {
    const server = dns2.createServer({ udp: true, handle });
    const udp = await server.listen({ udp: { port, address: host } });
    const chosen = udp.udp!.port;
    const tcp = dns2.createServer({ tcp: true, handle });
    const failed = new Promise<never>((_, reject) => tcp.once('error', (err: Error) => reject(err)));
    try {
      await Promise.race([tcp.listen({ tcp: { port: chosen, address: host } }), failed]);
    } catch (err) {
      await server.close();
      if (port !== 0 || attempt >= 10) throw err;
      continue;
    }
    return {
      port: chosen,
      asked,
      close: async () => {
        await server.close();
        await tcp.close();
      },
    };
  }
}
