// Pod status from what the kubelet observed (contract 5): the phase by kubelet's rules (getPhase),
// the conditions and the container statuses. Pure.
import type { ContainerInfo } from './docker.js';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID?: string } };

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export function podPhase(statuses: readonly ContainerStatus[], restartPolicy: string, sandboxReady: boolean): PodPhase {
  if (!sandboxReady) return 'Pending';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of statuses) {
    if ('running' in s.state) running++;
    else if ('terminated' in s.state) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if ('terminated' in s.lastState) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (succeeded === stopped) return 'Succeeded';
    return restartPolicy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

/** Conditions, keeping each one's lastTransitionTime from `previous` while its status is unchanged. */
export function podConditions(phase: PodPhase, statuses: readonly ContainerStatus[], previous: readonly Condition[], now: string): Condition[] {
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const ready = phase === 'Running' && unready.length === 0;
  const notReady = terminal
    ? { reason: 'PodCompleted' }
    : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  const make = (type: string, ok: boolean, why?: { reason: string; message?: string }): Condition => {
    const before = previous.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const since = before && before.status === status ? before.lastTransitionTime : now;
    return { type, status, ...(ok ? {} : why), lastProbeTime: null, lastTransitionTime: since };
  };
  return [
    make('Initialized', true),
    make('Ready', ready, notReady),
    make('ContainersReady', ready, notReady),
    make('PodScheduled', true),
  ];
}

export function terminatedOf(info: ContainerInfo): Extract<ContainerState, { terminated: unknown }> {
  const neverStarted = info.status === 'created';
  const reason = neverStarted ? 'StartError' : info.oomKilled ? 'OOMKilled' : info.exitCode === 0 ? 'Completed' : 'Error';
  return { terminated: { exitCode: neverStarted && info.exitCode === 0 ? 128 : info.exitCode, reason,
    startedAt: info.startedAt, finishedAt: info.finishedAt, containerID: `docker://${info.id}` } };
}

/** Kubelet's crash-loop back-off: the n-th restart waits 10 s * 2^(n-1), at most 5 minutes; the first none. */
export function backoffMs(restartCount: number): number {
  return restartCount === 0 ? 0 : Math.min(10_000 * 2 ** (restartCount - 1), 300_000);
}
