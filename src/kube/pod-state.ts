// A pod's state in words, for the launcher's progress and its error when the proxy does not come up:
// phase, each container's waiting/terminated reason and message, and recent events. Pure.
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running'
    && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Waiting reasons that no amount of waiting fixes without the user acting (the image name is wrong or the
 * image is absent under a policy that forbids pulling): the launcher fails at once instead of at the deadline.
 */
export const HOPELESS_REASONS: readonly string[] = ['ErrImageNeverPull', 'InvalidImageName'];

export function hopelessReason(pod: V1Pod): string | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason;
    if (reason && HOPELESS_REASONS.includes(reason)) return reason;
  }
  return undefined;
}

function containerText(c: V1ContainerStatus): string {
  const s = c.state;
  const parts: string[] = [];
  if (s?.waiting) parts.push(`waiting: ${s.waiting.reason ?? 'unknown reason'}${s.waiting.message ? ` (${s.waiting.message})` : ''}`);
  else if (s?.terminated) parts.push(`terminated: ${s.terminated.reason ?? 'exit'} with exit code ${s.terminated.exitCode}${s.terminated.message ? ` (${s.terminated.message})` : ''}`);
  else if (s?.running) parts.push(c.ready ? 'running, ready' : 'running, not ready');
  const last = c.lastState?.terminated;
  if (last && !s?.terminated) parts.push(`last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`);
  if (c.restartCount) parts.push(`${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}`);
  return `container ${c.name} ${parts.join(', ') || 'has no state yet'}`;
}

/** `phase Pending; container telepresence waiting: ErrImageNeverPull (...)` */
export function describePodState(pod: V1Pod): string {
  const parts = [`phase ${pod.status?.phase ?? 'unknown'}`];
  const unscheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) parts.push(`not scheduled: ${unscheduled.reason ?? ''}${unscheduled.message ? ` (${unscheduled.message})` : ''}`);
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length === 0 && !unscheduled) parts.push('no container status yet');
  for (const c of statuses) parts.push(containerText(c));
  if (pod.metadata?.deletionTimestamp) parts.push('being deleted');
  return parts.join('; ');
}

/** The last `max` events, oldest first, as `Reason: message` (repeats counted). */
export function describeEvents(events: readonly CoreV1Event[], max = 5): string {
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  const recent = [...events].sort((a, b) => time(a) - time(b)).slice(-max);
  return recent.map((e) => `${e.reason ?? e.type ?? 'Event'}: ${(e.message ?? '').trim()}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`).join('; ');
}
