// The workstation DNS server on a socket: dns2 over UDP and TCP on one address and port (port 53
// on the address that resolv.conf or systemd-resolved names), answering with WorkstationDns.
import net from 'node:net';
import dns2 from 'dns2';
import { fitUdp, type WorkstationDns } from './workstation-dns.js';
import { Packet, RCODE, type DnsPacket } from './records.js';

export interface DnsListener {
  host: string;
  udpPort: number;
  tcpPort: number;
  close(): Promise<void>;
}

/** Listens on UDP and TCP at host:port (port 0: each transport gets a free port of its own). */
export async function listenWorkstationDns(
  resolver: WorkstationDns,
  address: { host: string; port: number },
  log: (line: string) => void = () => undefined,
): Promise<DnsListener> {
  const server = dns2.createServer({
    udp: { type: address.host.includes(':') ? 'udp6' : 'udp4' },
    tcp: true,
    handle: (request, send, client) => {
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
    },
  });
  server.on('requestError', (err: unknown) => log(`dns: bad request: ${String(err)}`));
  const failed = new Promise<never>((_, reject) => server.once('error', (err: Error) => reject(err)));
  const where = { port: address.port, address: address.host };
  const bound = await Promise.race([server.listen({ udp: where, tcp: where }), failed]);
  return {
    host: address.host,
    udpPort: bound.udp?.port ?? 0,
    tcpPort: bound.tcp?.port ?? 0,
    close: async () => {
      await server.close();
    },
  };
}
