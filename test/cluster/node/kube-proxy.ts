// kube-proxy: rewrites tp-node's nat table whenever Services, Endpoints or hostPorts change (debounced), with
// `ip netns exec tp-node iptables-restore`, which replaces the table in one transaction (so the host-access
// topology's masquerade rule is one of kube-proxy's, not a rule of its own that the next restore would drop).
import { currentInstance } from '../instance.js';
import type { EndpointsObject, ServiceObject } from './cluster-dns.js';
import { Informer } from './informer.js';
import type { KubeClient } from './kube-client.js';
import { run } from './run.js';
import { serviceRules } from './service-rules.js';
import type { HostPortMapping } from './hostport-rules.js';

export class KubeProxy {
  private timer?: NodeJS.Timeout;
  private applied = '';
  private running: Promise<void> = Promise.resolve();

  /** Also what the kubelet reads for the Service environment variables. */
  readonly services: Informer<ServiceObject>;
  private readonly endpoints: Informer<EndpointsObject>;

  constructor(
    client: KubeClient,
    private readonly gateway: string,
    private readonly log: (line: string) => void,
    private readonly hostPorts: () => HostPortMapping[] = () => [],
    /** The host-access topology's host-only interface (masquerade out of it), else undefined. */
    private readonly egressDevice: () => string | undefined = () => undefined,
  ) {
    this.services = new Informer<ServiceObject>(client, '/api/v1/services', () => this.changed(), log);
    this.endpoints = new Informer<EndpointsObject>(client, '/api/v1/endpoints', () => this.changed(), log);
  }

  /** Resolves once both lists are loaded. */
  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.endpoints.start()]);
  }

  /** Called on every change; applies at most every 50 ms. */
  changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.apply()).catch((err: Error) => {
        this.log(`kube-proxy: ${err.message}`);
        this.applied = '';
        this.changed();
      });
    }, 50);
  }

  private async apply(): Promise<void> {
    const text = serviceRules(this.services.items.values(), (ns, name) => this.endpoints.items.get(`${ns}/${name}`), this.gateway, this.hostPorts(), this.egressDevice());
    if (text === this.applied) return;
    await run('ip', ['netns', 'exec', currentInstance().netns, 'iptables-restore'], text);
    this.applied = text;
  }
}
