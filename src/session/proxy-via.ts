// Step 4b (--proxy-via CIDR=WORKLOAD): for each workload named, the relay in one of its Ready pods (an
// ephemeral container of the proxy image: nothing restarts; src/kube/proxy-via.ts) and a client of it
// over the tunnel (src/tunnel/relay-client.ts) that holds it open; the method dials and resolves through it.
import type { ChangeJournal } from '../changes.js';
import { proxyImage } from '../config/index.js';
import { LOCAL_VIA, type VnatRequest } from '../engine/index.js';
import { newRelaySecret, type Cluster } from '../kube/index.js';
import { RelayClient } from '../tunnel/relay-client.js';
import type { PodConnection, Session } from './session.js';

const SYMBOL_TEXT: Record<string, string> = {
  all: "all of the cluster's subnets", service: 'the service subnets', pods: 'the pod subnets', also: 'the --also-proxy subnets',
};

/** The --proxy-via workloads of the request (not --vnat's 'local'), each with what it carries, in flag order. */
export function proxyViaTargets(requests: readonly VnatRequest[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of requests) {
    if (r.via === LOCAL_VIA) continue;
    const targets = out.get(r.via) ?? [];
    if (!targets.includes(r.target)) targets.push(r.target);
    out.set(r.via, targets);
  }
  return out;
}

/** The relays by workload (as --proxy-via names it); empty without the flag. Each one's stop is on the undo stack. */
export async function startProxyViaRelays(s: Session, cluster: Cluster, connection: PodConnection, sessionId: string, journal: ChangeJournal): Promise<Map<string, RelayClient>> {
  const relays = new Map<string, RelayClient>();
  for (const [workload, targets] of proxyViaTargets(s.options.routing.vnat)) {
    const secret = newRelaySecret();
    const relay = await cluster.startProxyViaRelay(workload, { image: proxyImage(s.env), secret, sessionId, log: s.log, journal, signal: s.signals.abortSignal });
    s.undo.push(`stop the --proxy-via relay ${relay.container} in pod ${relay.podName}`, () => relay.stop());
    const client = new RelayClient({ openStream: (host, port) => connection.tunnel.openStream(host, port), relay, secret, log: s.log });
    s.undo.push(`close the keep-alive to the --proxy-via relay in pod ${relay.podName}`, () => client.close());
    relays.set(workload, client);
    const what = targets.map((t) => SYMBOL_TEXT[t] ?? t).join(', ');
    s.progress(`--proxy-via: connections to ${what} leave from pod ${relay.podName} (${relay.workload}) through an ephemeral relay container`);
    s.signals.check();
  }
  return relays;
}
