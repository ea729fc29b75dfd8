// core/v1 Events the control plane records (Scheduled, SuccessfulCreate/Delete, ScalingReplicaSet),
// so `kubectl describe` and event-reading diagnostics see what a real cluster shows.
import { randomBytes } from 'node:crypto';
import { resourceFor, type Registry } from '../registry.js';
import type { KObject } from '../store.js';

export function recordEvent(registry: Registry, involved: KObject, reason: string, message: string, component: string, type = 'Normal'): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ns = involved.metadata.namespace ?? 'default';
  if (!registry.find('namespaces', undefined, ns)) return;
  try {
    registry.create(resourceFor('events'), ns, {
      metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}` },
      involvedObject: {
        kind: involved.kind, namespace: involved.metadata.namespace, name: involved.metadata.name, uid: involved.metadata.uid,
        apiVersion: involved.apiVersion, resourceVersion: involved.metadata.resourceVersion,
      },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component }, reportingComponent: component, reportingInstance: '',
    });
  } catch {
    // An event is best effort: a namespace being deleted refuses it, which is fine.
  }
}
