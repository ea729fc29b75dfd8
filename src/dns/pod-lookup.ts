// The cluster side of the workstation DNS: questions go to the proxy pod's DNS server (port 9053,
// which strips the learned search suffixes and resolves as the pod does) as DNS over TCP, inside
// one stream opened through the tunnel (an SSH direct-tcpip channel) and reused for every question.
import type { Duplex } from 'node:stream';
import { DNS_PORT, POD_SERVICE_HOST } from '../protocol/index.js';
import { buildQuery, type Lookup } from './records.js';
import { StreamDnsClient } from './stream-client.js';

export const POD_DNS_HOST = POD_SERVICE_HOST;
export const POD_DNS_PORT = DNS_PORT;

export interface PodLookup {
  lookup: Lookup;
  close(): void;
}

/**
 * `openStream` opens a TCP stream to host:port as seen from the pod (SshTunnel.openStream).
 * `timeoutMs` bounds each question (config dns.lookupTimeoutMs).
 */
export function podDnsLookup(
  openStream: (host: string, port: number) => Promise<Duplex>,
  options: { host?: string; port?: number; timeoutMs?: number } = {},
): PodLookup {
  const host = options.host ?? POD_DNS_HOST;
  const port = options.port ?? POD_DNS_PORT;
  const timeoutMs = options.timeoutMs ?? 8000;
  const client = new StreamDnsClient(() => openStream(host, port), `the pod's DNS server ${host}:${port}`);
  return {
    lookup: async (name, type) => {
      const answer = await client.exchange(buildQuery(name, type, 0), timeoutMs);
      return { rcode: answer.header.rcode, answers: answer.answers, authorities: answer.authorities };
    },
    close: () => client.close(),
  };
}
