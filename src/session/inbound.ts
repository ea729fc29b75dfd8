// Step 7: the ports between this workstation and the pod: --expose (cluster -> here, SSH remote forwards
// on 0.0.0.0 in the pod), --from-pod (the pod's localhost -> here, remote forwards on its loopback) and
// --to-pod (here -> the pod's localhost, listeners on 127.0.0.1). Stopped on exit, and gone with the
// connection or the pod in any case.
import type { Socket } from 'node:net';
import { withAutomaticPorts } from '../inbound/automatic.js';
import { exposePorts } from '../inbound/expose.js';
import { listenToPod } from '../inbound/to-pod.js';
import type { PodConnection, Session } from './session.js';

const plural = (ports: readonly number[]) => `port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`;

/**
 * `automaticPorts`: the swapped container's TCP ports, each to the same port here unless --expose maps it.
 * `dial`: the method's way into the user process's network (the container method's namespace), else 127.0.0.1 here.
 */
export async function exposeInbound(s: Session, connection: PodConnection, automaticPorts: readonly number[] = [], dial?: (port: number) => Socket): Promise<void> {
  const { fromPod, toPod } = s.options;
  const expose = withAutomaticPorts(s.options.expose, automaticPorts);
  if (expose.length > 0) {
    const where = dial ? "in the container's network" : 'here';
    for (const m of expose) s.progress(`Forwarding port ${m.podPort} of the proxy pod to localhost:${m.workstationPort} ${where}`);
    const exposed = await exposePorts(connection.tunnel, expose, s.log, '0.0.0.0', dial, "in the container's network namespace");
    s.undo.push(`stop forwarding ${plural(expose.map((m) => m.podPort))} of the proxy pod`, () => exposed.close());
  }
  if (fromPod.length > 0) {
    s.progress(`Forwarding localhost ${plural(fromPod)} of the proxy pod to the same ${fromPod.length > 1 ? 'ports' : 'port'} here`);
    const forwarded = await exposePorts(connection.tunnel, fromPod.map((p) => ({ podPort: p, workstationPort: p })), s.log, '127.0.0.1');
    s.undo.push(`stop forwarding localhost ${plural(fromPod)} of the proxy pod`, () => forwarded.close());
  }
  if (toPod.length > 0) {
    s.progress(`Forwarding localhost ${plural(toPod)} here to the same ${toPod.length > 1 ? 'ports' : 'port'} of the proxy pod`);
    const listeners = await listenToPod(connection.tunnel, toPod, s.log);
    s.undo.push(`stop listening on localhost ${plural(toPod)} for the proxy pod`, () => listeners.close());
  }
  s.signals.check();
}
