// The original resolver: the nameservers of resolv.conf as they were before the session changed
// it. Names the cluster does not own are forwarded there over UDP (TCP when the answer is truncated).
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { buildQuery, Packet, type DnsPacket, type Lookup, type LookupResult } from './records.js';
import { StreamDnsClient } from './stream-client.js';
import { readFile } from 'node:fs/promises';
import { resolvConfNameservers, type Nameserver } from '../host/resolv-conf.js';


function udpExchange(server: Nameserver, query: DnsPacket, timeoutMs: number): Promise<DnsPacket> {
  const socket = dgram.createSocket(net.isIPv6(server.host.split('%')[0]) ? 'udp6' : 'udp4');
  const id = query.header.id;
  return new Promise<DnsPacket>((resolve, reject) => {
    const done = (err: Error | null, answer?: DnsPacket) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${server.host}:${server.port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (message, from) => {
      if (from.port !== server.port) return;
      try {
        const answer = Packet.parse(message);
        if (answer.header.id === id) done(null, answer);
      } catch {
        // not an answer to us: keep waiting
      }
    });
    socket.send(query.toBuffer(), server.port, server.host, (err) => {
      if (err) done(err);
    });
  });
}

function toResult(answer: DnsPacket): LookupResult {
  return { rcode: answer.header.rcode, answers: answer.answers, authorities: answer.authorities };
}

/**
 * Asks each nameserver in turn (each gets `timeoutMs`) until one answers; an answer of any rcode
 * ends the search, as glibc does. Rejects when none answers.
 */
export function nameserverLookup(servers: readonly Nameserver[], timeoutMs = 2000): Lookup {
  return async (name, type) => {
    if (servers.length === 0) throw new Error('the original resolver configuration names no nameserver');
    const failures: string[] = [];
    for (const server of servers) {
      try {
        const answer = await udpExchange(server, buildQuery(name, type, randomInt(0x10000)), timeoutMs);
        if (!answer.header.tc) return toResult(answer);
        const tcp = new StreamDnsClient(
          () => Promise.resolve(net.connect({ host: server.host, port: server.port })),
          `${server.host}:${server.port} (TCP)`,
        );
        try {
          return toResult(await tcp.exchange(buildQuery(name, type, 0), timeoutMs));
        } finally {
          tcp.close();
        }
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    throw new Error(failures.join('; '));
  };
}

/**
 * The original resolver as resolv.conf names it now (read before a session changes it): its text (for the
 * search suffixes), its nameservers minus `except` (never forward to ourselves: a resolv.conf still naming
 * us after a crash would loop), and their look-up, undefined when it names none.
 */
export async function readOriginalResolver(resolvConfPath = '/etc/resolv.conf', except?: { host: string; port: number }): Promise<{
  text: string; servers: Nameserver[]; lookup: Lookup | undefined;
}> {
  const text = await readFile(resolvConfPath, 'utf8').catch(() => '');
  const servers = resolvConfNameservers(text).filter((n) => !(except && n.host === except.host && n.port === except.port));
  return { text, servers, lookup: servers.length > 0 ? nameserverLookup(servers) : undefined };
}
