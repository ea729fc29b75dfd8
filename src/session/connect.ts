// Step 4: the tunnel to the proxy pod (port-forward + SSH), its undo, and the promise of its loss; a lost
// port-forward or SSH connection is re-established (progress lines for both) until timeouts.reconnect.
// The SSH client accepts only the host key the pod published through the API server (README: host key pinning);
// a proxy pod that is gone is followed to its replacement, whose own key is read and pinned the same way.
import type { ChangeJournal } from '../changes.js';
import type { Cluster, ProxyPod } from '../kube/index.js';
import type { ProxyPodTarget } from '../tunnel/connect.js';
import { pinHostKey } from '../tunnel/host-key.js';
import type { SessionKey } from '../tunnel/session-key.js';
import type { PodConnection, Session } from './session.js';

export async function connectToPod(s: Session, cluster: Cluster, pod: ProxyPod, key: SessionKey, journal: ChangeJournal): Promise<PodConnection> {
  const { timeouts } = s.config;
  const first = pinned(s, pod);
  const locatePod = followPod(s, pod, first);
  const connection = await s.deps.connect(cluster, pod.podName, key, {
    portForwardMs: timeouts.portForwardMs, sshConnectMs: timeouts.sshConnectMs, reconnectMs: timeouts.reconnectMs,
    username: pod.sshUser, hostKey: first.hostKey, progress: s.progress, log: s.log, locatePod,
  }, journal);
  s.undo.push('close the SSH tunnel and the port-forward', () => connection.close());
  s.signals.check();
  return connection;
}

/** The pod as the tunnel connects to it: its name, its pinned host key, the SSH user. */
function pinned(s: Session, pod: ProxyPod): ProxyPodTarget {
  const hostKey = pinHostKey(pod.hostKey, pod.podName);
  s.log(`proxy pod ${pod.podName}: SSH host key ${hostKey.fingerprint} (pinned)`);
  return { podName: pod.podName, hostKey, username: pod.sshUser };
}

/**
 * Per reconnect attempt: the current pod while it runs, else its successor (then the current one). A pod's key
 * is pinned for that pod alone: the same pod name showing another key is still a mismatch.
 */
function followPod(s: Session, pod: ProxyPod, target: ProxyPodTarget): (deadline: number, signal: AbortSignal) => Promise<ProxyPodTarget> {
  let current = { pod, target };
  return async (deadline, signal) => {
    const next = await current.pod.successor?.({ deadline, signal, progress: s.progress, log: s.log });
    if (next) current = { pod: next, target: pinned(s, next) };
    return current.target;
  };
}
