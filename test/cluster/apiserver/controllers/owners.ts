// Helpers shared by the workload controllers: controller ownerReferences, pod readiness, and a
// canonical JSON for comparing templates.
import type { KObject } from '../store.js';

export function controllerRef(owner: KObject): KObject {
  return {
    apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid,
    controller: true, blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: KObject, owner: KObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r: KObject) => r.controller && r.uid === owner.metadata.uid);
}

export function isPodReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
}

export function isPodActive(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** JSON with sorted keys and no null fields (Go clients send `creationTimestamp: null`), so equal templates compare equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Keeps condition timestamps when nothing but the time changed, so a status write is a no-op. */
export function mergeConditions(old: KObject[] | undefined, next: KObject[], now: string): KObject[] {
  return next.map((c) => {
    const prev = (old ?? []).find((o) => o.type === c.type);
    if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return prev;
    const transition = prev && prev.status === c.status ? prev.lastTransitionTime : now;
    return { ...c, lastUpdateTime: now, lastTransitionTime: transition };
  });
}
