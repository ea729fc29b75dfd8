// Step 4: the tunnel to the proxy pod (port-forward + SSH), its undo, and the promise of its loss.
import type { ChangeJournal } from '../changes.js';
import type { Cluster, ProxyPod } from '../kube/index.js';
import type { SessionKey } from '../tunnel/session-key.js';
import type { PodConnection, Session } from './session.js';

export async function connectToPod(s: Session, cluster: Cluster, pod: ProxyPod, key: SessionKey, journal: ChangeJournal): Promise<PodConnection> {
  const { timeouts } = s.config;
  const connection = await s.deps.connect(cluster, pod.podName, key, {
    portForwardMs: timeouts.portForwardMs, sshConnectMs: timeouts.sshConnectMs, username: pod.sshUser,
  }, journal);
  s.undo.push('close the SSH tunnel and the port-forward', () => connection.close());
  s.signals.check();
  return connection;
}
