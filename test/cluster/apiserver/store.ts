// In-memory object store: one resourceVersion counter for everything, a bounded event history so a
// watch can resume from a resourceVersion, and fan-out of events to watchers and controllers. A snapshot
// (objects and counter, not the history) carries it across a restart of the API server process.

// Kubernetes objects are open-ended JSON; the resources/* modules know their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any>;

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** `group/resource`, e.g. `/pods`, `apps/deployments`. */
  kind: string;
  object: KObject;
  /** The object before this change (MODIFIED, DELETED). */
  previous?: KObject;
  rv: number;
}

const HISTORY = 10000;

/** What survives a restart, as etcd keeps it: every object and the resourceVersion counter. */
export interface StoreSnapshot {
  rv: number;
  /** kind -> its objects. */
  objects: Record<string, KObject[]>;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  // Starting from the clock keeps resourceVersions growing across restarts, so a client that
  // resumes with a version from an earlier instance gets 410 Gone and relists.
  private rv = Date.now();
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  /**
   * From a snapshot: the same objects and a counter that goes on from its last value. The history starts
   * empty, so a watch from an older resourceVersion gets 410 Gone and relists (as after a compaction).
   */
  constructor(from?: StoreSnapshot) {
    if (!from) return;
    this.rv = from.rv;
    for (const [kind, items] of Object.entries(from.objects)) {
      for (const o of items) this.table(kind).set(keyOf(o.metadata.namespace, o.metadata.name), o);
    }
  }

  snapshot(): StoreSnapshot {
    const objects: Record<string, KObject[]> = {};
    for (const [kind, t] of this.objects) if (t.size) objects[kind] = [...t.values()];
    return { rv: this.rv, objects };
  }

  currentRv(): number {
    return this.rv;
  }

  private table(kind: string): Map<string, KObject> {
    let t = this.objects.get(kind);
    if (!t) {
      t = new Map();
      this.objects.set(kind, t);
    }
    return t;
  }

  get(kind: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.table(kind).get(keyOf(namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** All objects of a kind (in one namespace when given), sorted by namespace and name as etcd lists them. */
  list(kind: string, namespace?: string): KObject[] {
    const out: KObject[] = [];
    const keys = [...this.table(kind).keys()].sort();
    for (const k of keys) {
      const o = this.table(kind).get(k) as KObject;
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(structuredClone(o));
    }
    return out;
  }

  /** Stores a new object (the caller checked it does not exist) and stamps its resourceVersion. */
  add(kind: string, obj: KObject): KObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    this.table(kind).set(keyOf(obj.metadata.namespace, obj.metadata.name), structuredClone(obj));
    this.emit({ type: 'ADDED', kind, object: structuredClone(obj), rv });
    return obj;
  }

  update(kind: string, obj: KObject): KObject {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const previous = this.table(kind).get(key);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    this.table(kind).set(key, structuredClone(obj));
    this.emit({ type: 'MODIFIED', kind, object: structuredClone(obj), previous, rv });
    return obj;
  }

  remove(kind: string, namespace: string | undefined, name: string): KObject | undefined {
    const key = keyOf(namespace, name);
    const previous = this.table(kind).get(key);
    if (!previous) return undefined;
    this.table(kind).delete(key);
    const rv = ++this.rv;
    const object = structuredClone(previous);
    object.metadata.resourceVersion = String(rv);
    this.emit({ type: 'DELETED', kind, object, previous, rv });
    return structuredClone(object);
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    for (const l of [...this.listeners]) l(ev);
  }

  /** Events after `rv`, or undefined when the history no longer reaches back that far (410 Gone). */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv >= this.rv) return [];
    const first = this.history[0];
    if (!first || first.rv > rv + 1) return undefined;
    const idx = this.history.findIndex((e) => e.rv > rv);
    return idx < 0 ? [] : this.history.slice(idx).map((e) => ({ ...e, object: structuredClone(e.object) }));
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
