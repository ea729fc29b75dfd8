// Between the watches and the DNS table: turns lists and events of one kind into the sink's upserts
// and deletes, remembering the last record of each object so that a delete, a relist of one namespace
// or a slice that moved to another Service removes exactly what was put in.
import type { DnsEndpoints, DnsPod, DnsService } from './dns-watch-records.js';
import type { WatchEventType } from './list-watch.js';

export type DnsKind = 'services' | 'endpoints' | 'pods';

/** What the DNS table takes; every call is made as the API reports the change. */
export interface DnsSink {
  upsertService(s: DnsService): void;
  deleteService(namespace: string, name: string): void;
  upsertEndpoints(e: DnsEndpoints): void;
  deleteEndpoints(namespace: string, service: string, key: string): void;
  upsertPod(p: DnsPod): void;
  deletePod(namespace: string, name: string): void;
  /** A cluster-wide (re)list: the upserts that follow are all there is of that kind. */
  reset(kind: DnsKind): void;
}

/** Any listed or watched API object. */
export interface KeptObject { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }

export class RecordKeeper<R extends { namespace: string }> {
  /** The last record put in, by the API object's namespace/name. */
  private readonly known = new Map<string, R>();

  constructor(
    private readonly kind: DnsKind,
    private readonly sink: DnsSink,
    private readonly record: (obj: KeptObject) => R | undefined,
    /** Where a record sits in the table: a record in another slot than before removes the old one. */
    private readonly slot: (r: R) => string,
    private readonly upsert: (r: R) => void,
    private readonly remove: (r: R) => void,
  ) {}

  private static idOf(obj: KeptObject): string {
    return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  }

  /**
   * All objects of the kind (namespace undefined: cluster-wide, the sink is reset first), or all of
   * one namespace (what that namespace had and no longer has is deleted).
   */
  listed(items: readonly KeptObject[], namespace?: string): void {
    if (namespace === undefined) this.reset();
    else {
      const now = new Set(items.map(RecordKeeper.idOf));
      for (const [id, r] of this.known) {
        if (r.namespace === namespace && !now.has(id)) {
          this.known.delete(id);
          this.remove(r);
        }
      }
    }
    for (const obj of items) this.put(obj);
  }

  event(type: WatchEventType, obj: KeptObject): void {
    if (type !== 'DELETED') {
      this.put(obj);
      return;
    }
    const id = RecordKeeper.idOf(obj);
    const last = this.known.get(id);
    this.known.delete(id);
    if (last) this.remove(last);
  }

  /** A namespace no longer mapped: its records leave the table. */
  dropNamespace(namespace: string): void {
    for (const [id, r] of this.known) {
      if (r.namespace !== namespace) continue;
      this.known.delete(id);
      this.remove(r);
    }
  }

  reset(): void {
    this.known.clear();
    this.sink.reset(this.kind);
  }

  private put(obj: KeptObject): void {
    const id = RecordKeeper.idOf(obj);
    const last = this.known.get(id);
    const next = this.record(obj);
    if (last && (!next || this.slot(last) !== this.slot(next))) this.remove(last);
    if (next) {
      this.known.set(id, next);
      this.upsert(next);
    } else this.known.delete(id);
  }
}
