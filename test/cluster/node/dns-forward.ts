// One DNS message forwarded over UDP and its reply, as a stub forwarder does (VirtualBox's DNS relay,
// CoreDNS's `forward`): the host-access topology's cluster DNS fallback and its workstation relay.
import dgram from 'node:dgram';

import dns2 from 'dns2';

const { Packet } = dns2;

/** The reply to `query` from `server`:`port`, or undefined after `timeoutMs` (the asker retries or gives up). */
export function forwardDns(query: Buffer, server: string, port = 53, timeoutMs = 5000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(), timeoutMs);
    const id = query.readUInt16BE(0);
    socket.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
    });
    socket.on('error', () => done());
    socket.send(query, port, server);
  });
}

/** The first question of a message as `name type` (type by its mnemonic where dns2 knows it), for query logs. */
export function describeQuestion(message: Buffer): string {
  try {
    const q = Packet.parse(message).questions[0];
    if (!q) return '(no question)';
    const type = Object.entries(Packet.TYPE).find(([, v]) => v === q.type)?.[0] ?? String(q.type);
    return `${q.name} ${type}`;
  } catch {
    return '(unparsable)';
  }
}

/** The first nameserver of a resolv.conf text, undefined when it names none. */
export function firstNameserver(resolvConf: string): string | undefined {
  return /^\s*nameserver\s+(\S+)/m.exec(resolvConf)?.[1];
}
