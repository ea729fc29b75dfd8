// Step 7: the ports between this workstation and the pod: --expose (cluster -> here, SSH remote forwards
// on 0.0.0.0 in the pod), --from-pod (the pod's localhost -> here, remote forwards on its loopback) and
// --to-pod (here -> the pod's localhost, listeners on 127.0.0.1). Stopped on exit, and gone with the
// connection or the pod in any case. After a reconnect the remote forwards are made again on the new
// SSH connection; --to-pod needs nothing (each connection opens its stream on the connection of the day).
import type { PortMapping } from '../config/index.js';
import { withAutomaticPorts } from '../inbound/automatic.js';
import { exposePorts, type ExposedPorts } from '../inbound/expose.js';
import { listenToPod } from '../inbound/to-pod.js';
import type { InboundTarget } from '../../methods/method.js';
import type { PodConnection, Session } from './session.js';

const plural = (ports: readonly number[]) => `port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`;

/**
 * `automaticPorts`: the swapped container's TCP ports, each to the same port here unless --expose maps it.
 * `target`: the method's way into the user process's network (the container method's namespace), else 127.0.0.1 here.
 */
export async function exposeInbound(s: Session, connection: PodConnection, automaticPorts: readonly number[] = [], target?: InboundTarget): Promise<void> {
  const { fromPod, toPod } = s.options;
  const expose = withAutomaticPorts(s.options.expose, automaticPorts);
  if (expose.length > 0) {
    const where = target?.where ?? 'here';
    for (const m of expose) s.progress(`Forwarding port ${m.podPort} of the proxy pod to localhost:${m.workstationPort} ${where}`);
    const exposed = await exposePorts(connection.tunnel, expose, s.log, { bind: '0.0.0.0', dial: target?.dial, where: target?.where });
    keepForwarding(s, connection, exposed, expose, `stop forwarding ${plural(expose.map((m) => m.podPort))} of the proxy pod`,
      (m) => `port ${m.podPort} of the proxy pod`, (m) => `localhost:${m.workstationPort} ${where}`);
  }
  if (fromPod.length > 0) {
    s.progress(`Forwarding localhost ${plural(fromPod)} of the proxy pod to the same ${fromPod.length > 1 ? 'ports' : 'port'} here`);
    const mappings = fromPod.map((p) => ({ podPort: p, workstationPort: p }));
    const forwarded = await exposePorts(connection.tunnel, mappings, s.log, { bind: '127.0.0.1' });
    keepForwarding(s, connection, forwarded, mappings, `stop forwarding localhost ${plural(fromPod)} of the proxy pod`,
      (m) => `localhost port ${m.podPort} of the proxy pod`, (m) => `port ${m.workstationPort} here`);
  }
  if (toPod.length > 0) {
    s.progress(`Forwarding localhost ${plural(toPod)} here to the same ${toPod.length > 1 ? 'ports' : 'port'} of the proxy pod`);
    const listeners = await listenToPod(connection.tunnel, toPod, s.log);
    s.undo.push(`stop listening on localhost ${plural(toPod)} for the proxy pod`, () => listeners.close());
  }
  s.signals.check();
}

/**
 * Forwards again after each reconnect, against whatever pod the new connection reaches: a log line per
 * port restored, one warning line per port that could not be (the session goes on without it).
 * The undo stops listening for reconnects first, so no forward is made after it.
 */
function keepForwarding(s: Session, connection: PodConnection, ports: ExposedPorts, mappings: readonly PortMapping[], undoName: string,
  podSide: (m: PortMapping) => string, workstationSide: (m: PortMapping) => string): void {
  const removeListener = connection.onReconnected(async () => {
    const failures = await ports.reforward();
    for (const m of mappings) {
      const failed = failures.find((f) => f.podPort === m.podPort);
      if (failed) s.warn(`Warning: after the reconnect, ${podSide(m)} no longer reaches ${workstationSide(m)}: ${failed.reason}`);
      else s.log(`after the reconnect: ${podSide(m)} reaches ${workstationSide(m)} again`);
    }
  });
  s.undo.push(undoName, async () => {
    removeListener();
    await ports.close();
  });
}
