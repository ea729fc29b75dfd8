// The teleproxy DNS table: the cluster's Services, Endpoints(Slices) and pods, as the watch reports them,
// answering as the Kubernetes DNS specification says. Updates rebuild one Service's answers; look-ups are map reads.
import { formatIp, tryParseIp } from '../engine/ip.js';
import type { DnsEndpoints, DnsPod, DnsService } from '../protocol/index.js';
import { CLUSTER_ANSWER_TTL_SECONDS } from './answers.js';
import { normalizeName, Packet, RCODE, TYPE, type DnsRecord, type LookupResult } from './records.js';
import { dashed, ipOfReverseName, serviceView, type Addresses, type PtrSource, type ServiceView } from './service-view.js';

export interface ClusterDnsTableOptions {
  /** The cluster domain (discovered, e.g. cluster.local). */
  clusterDomain: string;
  /** Bare names (`web`) are Services of this namespace. */
  sessionNamespace: string;
  ttlSeconds?: number;
}

/** The schema version the table implements (the specification's `dns-version.<zone>` TXT record). */
export const DNS_SCHEMA_VERSION = '1.1.0';

type Answered = DnsRecord[] | null; // null: no such name; []: the name exists without records of the type

const key = (namespace: string, name: string): string => `${namespace.toLowerCase()}/${name.toLowerCase()}`;

export class ClusterDnsTable {
  readonly clusterDomain: string;
  readonly sessionNamespace: string;
  private readonly ttl: number;
  private readonly services = new Map<string, DnsService>();
  /** ns/service -> key -> endpoints; and ns/key -> ns/service (a slice relabelled to another Service moves). */
  private readonly endpoints = new Map<string, Map<string, DnsEndpoints>>();
  private readonly endpointsOwner = new Map<string, string>();
  private readonly views = new Map<string, ServiceView>();
  /** canonical IP -> source id -> PTR source. */
  private readonly reverse = new Map<string, Map<string, PtrSource>>();
  /** ns/pod -> its PTR sources. */
  private readonly pods = new Map<string, Map<string, PtrSource>>();
  /** Namespace -> objects in it: a known namespace's `ns.svc` exists (answers NODATA). */
  private readonly namespaceCounts = new Map<string, number>();
  private changes = 0;

  constructor(options: ClusterDnsTableOptions) {
    this.clusterDomain = normalizeName(options.clusterDomain);
    this.sessionNamespace = options.sessionNamespace.toLowerCase();
    this.ttl = options.ttlSeconds ?? CLUSTER_ANSWER_TTL_SECONDS;
  }

  /** Grows on every change: a cache in front of the table can tell that what it kept may be stale. */
  get generation(): number {
    return this.changes;
  }

  get size(): { services: number; endpoints: number; pods: number } {
    return { services: this.services.size, endpoints: this.endpointsOwner.size, pods: this.pods.size };
  }

  /** Namespaces the table holds objects of. */
  namespaces(): string[] {
    return [...this.namespaceCounts.keys()];
  }

  upsertService(service: DnsService): void {
    const k = key(service.namespace, service.name);
    if (!this.services.has(k)) this.count(service.namespace, 1);
    this.services.set(k, service);
    this.rebuild(k);
  }

  deleteService(namespace: string, name: string): void {
    const k = key(namespace, name);
    if (!this.services.delete(k)) return;
    this.count(namespace, -1);
    this.rebuild(k);
  }

  upsertEndpoints(endpoints: DnsEndpoints): void {
    const owner = key(endpoints.namespace, endpoints.service);
    const id = key(endpoints.namespace, endpoints.key);
    const before = this.endpointsOwner.get(id);
    if (before !== undefined && before !== owner) this.removeEndpoints(id, before);
    if (!this.endpointsOwner.has(id)) this.count(endpoints.namespace, 1);
    this.endpointsOwner.set(id, owner);
    let slices = this.endpoints.get(owner);
    if (slices === undefined) this.endpoints.set(owner, (slices = new Map()));
    slices.set(endpoints.key.toLowerCase(), endpoints);
    this.rebuild(owner);
  }

  deleteEndpoints(namespace: string, _service: string, endpointsKey: string): void {
    const id = key(namespace, endpointsKey);
    const owner = this.endpointsOwner.get(id);
    // The Service recorded for the key wins: a slice relabelled meanwhile is still found.
    if (owner !== undefined) this.removeEndpoints(id, owner);
  }

  upsertPod(pod: DnsPod): void {
    const k = key(pod.namespace, pod.name);
    if (!this.pods.has(k)) this.count(pod.namespace, 1);
    const ptr = new Map<string, PtrSource>();
    for (const ip of pod.ips.map(tryParseIp)) {
      if (ip !== null) ptr.set(formatIp(ip), { rank: 2, target: `${dashed(ip)}.${pod.namespace.toLowerCase()}.pod.${this.clusterDomain}` });
    }
    this.setPtr(`pod:${k}`, this.pods.get(k), ptr);
    this.pods.set(k, ptr);
    this.changes += 1;
  }

  deletePod(namespace: string, name: string): void {
    const k = key(namespace, name);
    const before = this.pods.get(k);
    if (!this.pods.delete(k)) return;
    this.count(namespace, -1);
    this.setPtr(`pod:${k}`, before, new Map());
    this.changes += 1;
  }

  /**
   * Forgets every object of one kind (the watch's relist of that kind follows with all there is), so the
   * table is itself the watch's sink (src/kube/dns-watch.ts DnsSink).
   */
  reset(kind: 'services' | 'endpoints' | 'pods'): void {
    if (kind === 'services') for (const s of [...this.services.values()]) this.deleteService(s.namespace, s.name);
    else if (kind === 'endpoints') for (const [id, owner] of [...this.endpointsOwner]) this.removeEndpoints(id, owner);
    else for (const k of [...this.pods.keys()]) this.deletePod(...(k.split('/') as [string, string]));
  }

  /** Forgets everything (a relist follows with the whole state). */
  clear(): void {
    for (const m of [this.services, this.endpoints, this.endpointsOwner, this.pods, this.views, this.reverse, this.namespaceCounts]) m.clear();
    this.changes += 1;
  }

  /** The answer to one question; names are taken as a pod of the session's namespace would complete them. */
  lookup(name: string, type: number): LookupResult {
    const n = normalizeName(name);
    if (n.endsWith('.in-addr.arpa') || n.endsWith('.ip6.arpa')) return this.result(this.answerPtr(n, name, type));
    const zone = this.clusterDomain;
    let candidates: string[];
    if (n === zone) candidates = [''];
    else if (n.endsWith(`.${zone}`)) candidates = [n.slice(0, -zone.length - 1)];
    else if (n === 'svc' || n.endsWith('.svc')) candidates = [n];
    else candidates = [`${n}.${this.sessionNamespace}.svc`, `${n}.svc`, n];
    let exists = false;
    for (const relative of candidates) {
      const answers = this.answerRelative(relative, name, type, true);
      if (answers !== null && answers.length > 0) return { rcode: RCODE.NOERROR, answers };
      exists ||= answers !== null;
    }
    return { rcode: exists ? RCODE.NOERROR : RCODE.NXDOMAIN, answers: [] };
  }

  /** `relative`: the name under the zone (web.ns.svc); records carry `owner`. */
  private answerRelative(relative: string, owner: string, type: number, chase: boolean): Answered {
    const labels = relative === '' ? [] : relative.split('.');
    const last = labels[labels.length - 1];
    if (labels.length <= 1) {
      // The zone, svc. and pod. exist as parents of every name the table has.
      if (labels.length === 0 || last === 'svc' || last === 'pod') return [];
      if (last === 'dns-version') return type === TYPE.TXT ? [this.record(owner, TYPE.TXT, { data: [DNS_SCHEMA_VERSION] })] : [];
      return null;
    }
    if (last === 'pod') return labels.length === 3 ? this.answerPodName(labels[0], owner, type) : this.namespaceLevel(labels);
    if (last !== 'svc') return null;
    if (labels.length === 2) return this.namespaceLevel(labels);
    const view = this.views.get(key(labels[labels.length - 2], labels[labels.length - 3]));
    if (view === undefined) return null;
    if (labels.length === 3) {
      if (view.kind === 'alias') return this.answerAlias(view.alias, owner, type, chase);
      if (view.kind === 'headless' && view.hosts.size === 0) return null;
      return this.addressRecords(owner, type, view.addresses);
    }
    if (labels.length === 4) {
      const host = view.hosts.get(labels[0]);
      return host === undefined ? null : this.addressRecords(owner, type, host);
    }
    if (labels.length !== 5) return null;
    const targets = view.srv.get(`${labels[0]}.${labels[1]}`);
    if (targets === undefined) return null;
    if (type !== TYPE.SRV && type !== TYPE.ANY) return [];
    return targets.map((t) => this.record(owner, TYPE.SRV, { priority: 0, weight: 100, port: t.port, target: t.target }));
  }

  /** `ns.svc` / `ns.pod`: a namespace the table knows exists, without records of its own. */
  private namespaceLevel(labels: string[]): Answered {
    return labels.length === 2 && this.namespaceCounts.has(labels[0]) ? [] : null;
  }

  private answerAlias(alias: string, owner: string, type: number, chase: boolean): DnsRecord[] {
    const cname = this.record(owner, TYPE.CNAME, { domain: alias });
    // A target inside the zone is followed once, as CoreDNS does; one outside is the stub's to resolve.
    const zone = this.clusterDomain;
    if (!chase || type === TYPE.CNAME || !alias.endsWith(`.${zone}`)) return [cname];
    return [cname, ...(this.answerRelative(alias.slice(0, -zone.length - 1), alias, type, false) ?? [])];
  }

  /** The deprecated `a-b-c-d.ns.pod.<zone>` form: any address, as CoreDNS's `pods insecure` answers it. */
  private answerPodName(label: string, owner: string, type: number): Answered {
    const ip = tryParseIp(/^\d+-\d+-\d+-\d+$/.test(label) ? label.replace(/-/g, '.') : label.replace(/-/g, ':'));
    if (ip === null) return null;
    const text = formatIp(ip);
    return this.addressRecords(owner, type, ip.family === 4 ? { v4: [text], v6: [] } : { v4: [], v6: [text] });
  }

  private answerPtr(n: string, owner: string, type: number): Answered {
    const ip = ipOfReverseName(n);
    const sources = ip === null ? undefined : this.reverse.get(ip);
    if (sources === undefined || sources.size === 0) return null;
    if (type !== TYPE.PTR && type !== TYPE.ANY) return [];
    const best = Math.min(...[...sources.values()].map((s) => s.rank));
    const targets = new Set([...sources.values()].filter((s) => s.rank === best).map((s) => s.target));
    return [...targets].map((target) => this.record(owner, TYPE.PTR, { domain: target }));
  }

  private addressRecords(owner: string, type: number, addresses: Addresses): DnsRecord[] {
    const any = type === TYPE.ANY;
    return [
      ...(type === TYPE.A || any ? addresses.v4.map((address) => this.record(owner, TYPE.A, { address })) : []),
      ...(type === TYPE.AAAA || any ? addresses.v6.map((address) => this.record(owner, TYPE.AAAA, { address })) : []),
    ];
  }

  private record(name: string, type: number, data: Record<string, unknown>): DnsRecord {
    return { name, type, class: Packet.CLASS.IN, ttl: this.ttl, ...data } as DnsRecord;
  }

  private result(answers: Answered): LookupResult {
    return { rcode: answers === null ? RCODE.NXDOMAIN : RCODE.NOERROR, answers: answers ?? [] };
  }

  private count(namespace: string, delta: number): void {
    const ns = namespace.toLowerCase();
    const next = (this.namespaceCounts.get(ns) ?? 0) + delta;
    if (next > 0) this.namespaceCounts.set(ns, next);
    else this.namespaceCounts.delete(ns);
  }

  private removeEndpoints(id: string, owner: string): void {
    const slices = this.endpoints.get(owner);
    const [namespace, endpointsKey] = id.split('/');
    if (slices?.delete(endpointsKey) !== true) return;
    if (slices.size === 0) this.endpoints.delete(owner);
    this.endpointsOwner.delete(id);
    this.count(namespace, -1);
    this.rebuild(owner);
  }

  /** Recomputes the answers of Service `k` (ns/name) from the Service and all its endpoints. */
  private rebuild(k: string): void {
    this.changes += 1;
    const service = this.services.get(k);
    const view = service === undefined ? undefined : serviceView(service, [...(this.endpoints.get(k)?.values() ?? [])], this.clusterDomain);
    this.setPtr(`svc:${k}`, this.views.get(k)?.ptr, view?.ptr ?? new Map());
    if (view === undefined) this.views.delete(k);
    else this.views.set(k, view);
  }

  /** Replaces one owner's PTR sources (`before` -> `after`) in the reverse index. */
  private setPtr(owner: string, before: Map<string, PtrSource> | undefined, after: Map<string, PtrSource>): void {
    for (const ip of before?.keys() ?? []) {
      const sources = this.reverse.get(ip);
      sources?.delete(owner);
      if (sources?.size === 0) this.reverse.delete(ip);
    }
    for (const [ip, source] of after) {
      let sources = this.reverse.get(ip);
      if (sources === undefined) this.reverse.set(ip, (sources = new Map()));
      sources.set(owner, source);
    }
  }
}
