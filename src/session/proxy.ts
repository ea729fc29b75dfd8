// Step 3: the proxy pod, by the operation of the session's choice (new, and later swap or existing):
// its checks first (nothing changed yet), then its change, journalled and with its undo registered.
import type { ChangeJournal } from '../changes.js';
import { proxyImage } from '../config/index.js';
import type { ProxyOperation, ProxyPod } from '../kube/index.js';
import type { SessionKey } from '../tunnel/session-key.js';
import type { Method } from '../../methods/method.js';
import { exposedPodPorts } from '../inbound/expose.js';
import type { Session } from './session.js';

export async function startProxy(
  s: Session, operation: ProxyOperation, method: Method, sessionId: string, key: SessionKey, journal: ChangeJournal, namespace: string,
  podEnv?: Readonly<Record<string, string>>, podChosen?: (podName: string) => void,
): Promise<ProxyPod> {
  s.progress(`Starting proxy with method '${method.name}' in namespace ${namespace} (deployment ${operation.deployment})`);
  const pod = await operation.apply({
    sessionId, image: proxyImage(s.env), publicKey: key.publicKey, serviceAccount: s.options.serviceAccount ?? undefined,
    exposePorts: exposedPodPorts(s.options.expose),
    undo: s.undo, journal, progress: s.progress, signal: s.signals.abortSignal, readyTimeoutMs: s.config.timeouts.proxyPodReadyMs, podEnv, podChosen,
  });
  s.signals.check();
  return pod;
}
