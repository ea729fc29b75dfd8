// core/v1 Events the control plane records (Scheduled, SuccessfulCreate/Delete, ScalingReplicaSet)
// through the cluster's one recorder (../../events/recorder.ts), written straight into the registry,
// so `kubectl describe` and event-reading diagnostics see what a real cluster shows, repeats counted.
import { EventRecorder, referenceTo, type EventSink } from '../../events/recorder.js';
import { resourceFor, type Registry } from '../registry.js';
import { ApiError } from '../status.js';
import type { KObject } from '../store.js';

const recorders = new WeakMap<Registry, Map<string, EventRecorder>>();

function sinkOf(registry: Registry): EventSink {
  const events = resourceFor('events');
  return {
    create: (ns, event) => registry.create(events, ns, event as unknown as KObject) as { metadata: { name: string } },
    patch: (ns, name, patch) => registry.patch(events, ns, name, 'application/strategic-merge-patch+json', patch) as { metadata: { name: string } },
    isNotFound: (err) => err instanceof ApiError && err.code === 404,
    // An event is best effort: a namespace being deleted refuses it, which is fine.
    failed: () => {},
  };
}

export function recorderFor(registry: Registry, component: string): EventRecorder {
  let byComponent = recorders.get(registry);
  if (!byComponent) recorders.set(registry, (byComponent = new Map()));
  let r = byComponent.get(component);
  if (!r) byComponent.set(component, (r = new EventRecorder(sinkOf(registry), { component })));
  return r;
}

export function recordEvent(registry: Registry, involved: KObject, reason: string, message: string, component: string, type: 'Normal' | 'Warning' = 'Normal'): void {
  const ns = involved.metadata.namespace ?? 'default';
  if (!registry.find('namespaces', undefined, ns)) return;
  void recorderFor(registry, component).record(referenceTo(involved as Parameters<typeof referenceTo>[0]), type, reason, message);
}
