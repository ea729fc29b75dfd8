// Ending a --proxy-via relay: SIGTERM through the exec API (RELAY_STOP_COMMAND), then until its container
// shows terminated; and the repairer that does it for a relay a killed session left (journal kind
// PROXY_VIA_RELAY). A pod that is gone, replaced, or whose relay already ended has nothing to stop.
import type { Repairer } from '../changes.js';
import { pause } from '../deadline.js';
import { ClusterError } from '../errors.js';
import { RELAY_STOP_COMMAND } from '../protocol/index.js';
import { execInPod, readRecordedPod } from './pod-exec.js';
import type { ClusterTarget } from './target.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

export const PROXY_VIA_RELAY = 'proxy-via-relay';

/** The journal entry: the relay container of that pod (by uid: a pod of the same name is another pod). */
export interface ProxyViaRelayEntry {
  context: string;
  namespace: string;
  /** `Deployment client-app` */
  workload: string;
  pod: string;
  podUid: string;
  container: string;
}

type RelayState = 'gone' | 'waiting' | 'running' | 'terminated';

async function relayState(target: Target, data: ProxyViaRelayEntry): Promise<RelayState> {
  const pod = await readRecordedPod(target, data, 'stop the --proxy-via relay');
  if (pod === null) return 'gone';
  const s = pod.status?.ephemeralContainerStatuses?.find((c) => c.name === data.container);
  if (!(pod.spec?.ephemeralContainers ?? []).some((c) => c.name === data.container)) return 'gone';
  if (s?.state?.running) return 'running';
  if (s?.state?.terminated) return 'terminated';
  return 'waiting';
}

/** Stops the entry's relay; true when it was running and now is terminated, false when there was nothing to stop. */
export async function stopRelay(target: Target, data: ProxyViaRelayEntry, timeoutMs = 15_000): Promise<boolean> {
  const before = await relayState(target, data);
  // A relay still waiting (its image, say) starts later and exits after its idle time unused.
  if (before !== 'running') return false;
  const ref = { namespace: data.namespace, pod: data.pod, container: data.container };
  const r = await execInPod(target, ref, RELAY_STOP_COMMAND);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await relayState(target, data);
    if (now !== 'running') return true;
    if (Date.now() >= deadline) {
      const why = r.failure ?? (r.exitCode !== 0 ? `exit code ${r.exitCode}: ${r.stderr.trim()}` : 'it still runs');
      throw new ClusterError(`cannot stop the --proxy-via relay ${data.container} in pod ${data.pod} in namespace ${data.namespace} within ${timeoutMs / 1000} s (${why}); it exits by itself once unused`);
    }
    await pause(250);
  }
}

/** Stops the relay a dead session left in a pod of this cluster; entries of another context are kept. */
export function proxyViaRelayRepairer(target: Target): Repairer<ProxyViaRelayEntry> {
  return {
    kind: PROXY_VIA_RELAY,
    where: 'cluster',
    async repair(data, session) {
      if (data.context !== target.context) return null;
      if (!(await stopRelay({ ...target, namespace: data.namespace }, data))) return [];
      return [`stopped the --proxy-via relay of an earlier session (pid ${session.pid}, started ${session.started}) in pod ${data.pod} of ${data.workload} in namespace ${data.namespace}`];
    },
  };
}
