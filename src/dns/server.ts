// The workstation DNS server on a socket: dns2 over UDP and TCP on one address and port (port 53
// on the address that resolv.conf or systemd-resolved names), answering with WorkstationDns.
import net from 'node:net';
import dns2 from 'dns2';
import { DNS_MAX_CONCURRENT, guardDnsServer, type Dns2ServerLike } from '../protocol/index.js';
import { fitUdp, type WorkstationDns } from './workstation-dns.js';
import { Packet, RCODE, type DnsPacket } from './records.js';

export interface DnsListener {
  host: string;
  /** UDP and TCP share one port, as resolv.conf and dig's TC retry expect. */
  port: number;
  close(): Promise<void>;
}

type Handler = Parameters<typeof dns2.createServer>[0]['handle'];


/** Listens on UDP and TCP at host:port; port 0 picks a port free for both. */
export async function listenWorkstationDns(
  resolver: WorkstationDns,
  address: { host: string; port: number },
  log: (line: string) => void = () => undefined,
): Promise<DnsListener> {
  const handle: Handler = (request, send, client) => {
    const viaTcp = client instanceof net.Socket;
    const reply = (packet: DnsPacket): void => {
      // UDP replies must fit the datagram (else TC); TCP carries any size.
      const bytes = viaTcp ? packet.toBuffer() : fitUdp(request, packet);
      Promise.resolve()
        .then(() => send(bytes))
        .catch((err: unknown) => log(`dns: cannot send an answer: ${String(err)}`));
    };
    resolver.answer(request).then(reply, (err: unknown) => {
      log(`dns: failed to answer: ${String(err)}`);
      const failure = Packet.createResponseFromRequest(request);
      failure.header.rcode = RCODE.SERVFAIL;
      reply(failure);
    });
  };
  const bind = async (transport: 'udp' | 'tcp', port: number) => {
    const server = dns2.createServer(
      transport === 'udp'
        ? { udp: { type: address.host.includes(':') ? 'udp6' : 'udp4' }, handle, maxConcurrent: DNS_MAX_CONCURRENT }
        : { tcp: true, handle, maxConcurrent: DNS_MAX_CONCURRENT },
    );
    server.on('requestError', (err: unknown) => log(`dns: bad request: ${String(err)}`));
    guardDnsServer(server as unknown as Dns2ServerLike, (bytes) => Packet.parse(Buffer.from(bytes)), { log });
    const failed = new Promise<never>((_, reject) => server.once('error', (err: Error) => reject(err)));
    const bound = await Promise.race([server.listen({ [transport]: { port, address: address.host } }), failed]);
    return { server, port: bound[transport]?.port ?? 0 };
  };
  for (let attempt = 0; ; attempt += 1) {
    const udp = await bind('udp', address.port);
    try {
      const tcp = await bind('tcp', udp.port);
      return {
        host: address.host,
        port: udp.port,
        close: async () => {
          await Promise.all([udp.server.close(), tcp.server.close()]);
        },
      };
    } catch (err) {
      await udp.server.close();
      // Port 0: the UDP port's TCP twin was taken; try another pair.
      if (address.port !== 0 || attempt >= 10) throw err;
    }
  }
}
