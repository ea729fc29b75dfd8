// Record types other than A/AAAA/PTR (SRV, TXT, MX, ...) are asked of the pod's own nameserver, as
// Telepresence 1 forwarded them; getaddrinfo only knows addresses.
import fs from 'node:fs';
import dns2 from 'dns2';

const { Packet } = dns2;
export type DnsResource = InstanceType<typeof Packet>['answers'][number];

/** Answers of `type` for `name`; an empty list when there are none. */
export type Upstream = (name: string, type: number) => Promise<DnsResource[]>;

/** The first `nameserver` of a resolv.conf text, or null. */
export function firstNameserver(resolvConf: string): string | null {
  for (const line of resolvConf.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === 'nameserver' && value) return value;
  }
  return null;
}

export function nameserverUpstream(server: string, port = 53, timeoutMs = 2000): Upstream {
  const ask = dns2.UDPClient({ dns: server, port, timeout: timeoutMs });
  const names = new Map(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));
  return async (name, type) => {
    const typeName = names.get(type);
    if (typeName === undefined) return [];
    return (await ask(name, typeName)).answers;
  };
}

/** The pod's nameserver from /etc/resolv.conf; undefined when it names none. */
export function systemUpstream(resolvConfPath = '/etc/resolv.conf'): Upstream | undefined {
  let text = '';
  try {
    text = fs.readFileSync(resolvConfPath, 'utf8');
  } catch {
    return undefined;
  }
  const server = firstNameserver(text);
  return server === null ? undefined : nameserverUpstream(server);
}
