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

/**
 * `pod`: the prepared pod, or (--deployment) a promise of it while its exec runs: the port-forward and the SSH
 * key exchange to `podName` start at once, and authentication waits for the pod's key and user.
 */
export async function connectToPod(s: Session, cluster: Cluster, podName: string, pod: ProxyPod | Promise<ProxyPod>, key: SessionKey,
  journal: ChangeJournal): Promise<PodConnection> {
  const { timeouts } = s.config;
  const ready = pod instanceof Promise ? pod.then((p) => ({ pod: p, target: pinned(s, p) })) : { pod, target: pinned(s, pod) };
  const known = ready instanceof Promise ? undefined : ready;
  // Reconnects come after the first connection, so after the pod was ready.
  let locate: ReturnType<typeof followPod> | undefined;
  const locatePod = async (deadline: number, signal: AbortSignal) => {
    const { pod: p, target } = await ready;
    return (locate ??= followPod(s, p, target))(deadline, signal);
  };
  // The caller reports the pod's own failure: these copies of it must not count as unhandled.
  const quiet = <T>(p: Promise<T>): Promise<T> => { p.catch(() => undefined); return p; };
  const connection = await s.deps.connect(cluster, podName, key, {
    portForwardMs: timeouts.portForwardMs, sshConnectMs: timeouts.sshConnectMs, reconnectMs: timeouts.reconnectMs,
    username: known ? known.pod.sshUser : quiet(Promise.resolve(ready).then((r) => r.pod.sshUser)),
    hostKey: known ? known.target.hostKey : quiet(Promise.resolve(ready).then((r) => r.target.hostKey)),
    progress: s.progress, log: s.log, locatePod,
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
