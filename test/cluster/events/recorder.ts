// The one event recorder of the test cluster: the controllers (in the API server, writing through the
// registry) and the kubelet (over HTTPS) record core/v1 Events with it, as client-go's recorder does:
// a repeat patches count and lastTimestamp of the first event; one lost meanwhile is created anew.
import { EventCorrelator, timestamp, type CoreEvent, type ObjectReference } from './correlator.js';

export type { ObjectReference } from './correlator.js';
type Maybe<T> = T | Promise<T>;

/** Where events go. May answer at once (the registry) or later (HTTP); a missing event throws `isNotFound`. */
export interface EventSink {
  create(namespace: string, event: CoreEvent): Maybe<{ metadata: { name: string }; count?: number; firstTimestamp?: string }>;
  patch(namespace: string, name: string, patch: Record<string, unknown>): Maybe<{ metadata: { name: string }; count?: number }>;
  isNotFound(err: unknown): boolean;
  /** Failures are the recorder's to swallow (events are best effort); the sink may log them. */
  failed?(err: unknown, event: CoreEvent): void;
}

function then<T, U>(v: Maybe<T>, ok: (t: T) => Maybe<U>, fail: (e: unknown) => Maybe<U>): Maybe<U> {
  if (v instanceof Promise) return v.then(ok, fail);
  return ok(v);
}

/** A reference to an object (and, with `fieldPath`, to a part of it such as `spec.containers{web}`). */
export function referenceTo(obj: { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string } }, fieldPath?: string): ObjectReference {
  return {
    kind: obj.kind ?? '', namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
    apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
  };
}

export class EventRecorder {
  private readonly correlator: EventCorrelator;

  constructor(
    private readonly sink: EventSink,
    private readonly source: { component: string; host?: string },
    private readonly now: () => number = Date.now,
  ) {
    this.correlator = new EventCorrelator(now);
  }

  /** Records an event; returns once the sink answered (at once for a synchronous sink). Never throws. */
  record(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Maybe<void> {
    const at = timestamp(this.now());
    const namespace = ref.namespace || 'default';
    const event: CoreEvent = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: this.correlator.nameFor(ref.name), namespace },
      involvedObject: ref, reason, message, source: this.source, firstTimestamp: at, lastTimestamp: at, count: 1, type,
      eventTime: null, reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    };
    const c = this.correlator.correlate(event);
    const create = () => then(this.sink.create(namespace, c.event), (stored) => this.correlator.updateState(c.key, stored), (err) => this.sink.failed?.(err, c.event));
    try {
      if (c.action === 'create') return create();
      return then(this.sink.patch(namespace, c.event.metadata.name, c.patch), (stored) => this.correlator.updateState(c.key, stored), (err) => {
        if (this.sink.isNotFound(err)) return create();
        this.sink.failed?.(err, c.event);
      });
    } catch (err) {
      // A synchronous sink throws instead of rejecting.
      if (c.action === 'patch' && this.sink.isNotFound(err)) {
        try {
          return create();
        } catch (again) {
          this.sink.failed?.(again, c.event);
          return;
        }
      }
      this.sink.failed?.(err, c.event);
    }
  }
}
