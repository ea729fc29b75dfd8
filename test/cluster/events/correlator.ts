// How client-go's event recorder folds repeats (tools/record EventCorrelator), pure: the same event
// again becomes a patch of count/lastTimestamp/message on the first one; more than 10 similar events
// (same object and reason, other messages) within 10 minutes become one "(combined from similar
// events)" event. The spam filter (a token bucket per object) is not modelled: nothing is dropped.

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** A core/v1 Event as a recorder writes it. */
export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: 'Normal' | 'Warning';
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

export type Correlation =
  | { action: 'create'; event: CoreEvent; key: string }
  | { action: 'patch'; event: CoreEvent; key: string; patch: { count: number; lastTimestamp: string; message: string } };

const CACHE_SIZE = 4096;
const MAX_SIMILAR = 10;
const SIMILAR_WINDOW_MS = 600_000;
export const COMBINED_PREFIX = '(combined from similar events): ';

/** An RFC 3339 time with seconds, as metav1.Time serializes. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** client-go's event name: the object's name and the time in nanoseconds, in hex. */
export function eventName(objectName: string, ms: number, seq = 0): string {
  return `${objectName}.${(BigInt(ms) * 1_000_000n + BigInt(seq)).toString(16)}`;
}

function aggregateKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return JSON.stringify([e.source.component, e.source.host ?? '', o.kind, o.namespace ?? '', o.name, o.uid ?? '', o.apiVersion ?? '', e.type, e.reason,
    e.reportingComponent, e.reportingInstance]);
}

function eventKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return JSON.stringify([e.source.component, e.source.host ?? '', o.kind, o.namespace ?? '', o.name, o.fieldPath ?? '', o.uid ?? '', o.apiVersion ?? '',
    e.type, e.reason, e.message]);
}

/** A Map that forgets its least recently used entries beyond `size` (client-go uses an LRU too). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }
}

export class EventCorrelator {
  private readonly similar = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  private readonly seen = new Lru<{ count: number; firstTimestamp: string; name: string }>(CACHE_SIZE);
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  correlate(incoming: CoreEvent): Correlation {
    const now = this.now();
    let event = incoming;
    let key = eventKey(incoming);
    const agg = aggregateKey(incoming);
    const cached = this.similar.get(agg);
    const record = cached && now - cached.last <= SIMILAR_WINDOW_MS ? cached : { messages: new Set<string>(), last: now };
    record.messages.add(incoming.message);
    record.last = now;
    this.similar.set(agg, record);
    if (record.messages.size >= MAX_SIMILAR) {
      // Keep the set bounded, and count every further similar event on one combined event.
      record.messages.delete(record.messages.values().next().value as string);
      const at = timestamp(now);
      event = {
        ...incoming, metadata: { name: eventName(incoming.involvedObject.name, now, this.seq++), namespace: incoming.metadata.namespace },
        message: `${COMBINED_PREFIX}${incoming.message}`, count: 1, firstTimestamp: at, lastTimestamp: at,
      };
      key = agg;
    }
    const last = this.seen.get(key);
    if (!last) {
      this.seen.set(key, { count: event.count, firstTimestamp: event.firstTimestamp, name: event.metadata.name });
      return { action: 'create', event, key };
    }
    const repeated: CoreEvent = { ...event, metadata: { ...event.metadata, name: last.name }, firstTimestamp: last.firstTimestamp, count: last.count + 1 };
    this.seen.set(key, { count: repeated.count, firstTimestamp: repeated.firstTimestamp, name: last.name });
    return { action: 'patch', event: repeated, key, patch: { count: repeated.count, lastTimestamp: repeated.lastTimestamp, message: repeated.message } };
  }

  /** After the server answered: its name (a create after a lost event) and count are what repeats build on. */
  updateState(key: string, stored: { metadata: { name: string }; count?: number; firstTimestamp?: string }): void {
    const last = this.seen.get(key);
    this.seen.set(key, {
      count: stored.count ?? last?.count ?? 1, firstTimestamp: stored.firstTimestamp ?? last?.firstTimestamp ?? timestamp(this.now()), name: stored.metadata.name,
    });
  }

  /** A unique name for a new event (client-go's name plus a sequence, so two in one millisecond differ). */
  nameFor(objectName: string): string {
    return eventName(objectName, this.now(), this.seq++);
  }
}
