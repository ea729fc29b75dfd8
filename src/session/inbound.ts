// Step 7: the cluster's traffic to this workstation (--expose): one SSH remote forward a port, on the
// session's connection; stopped on exit (and gone with the connection or the pod in any case).
import { exposePorts } from '../inbound/expose.js';
import type { PodConnection, Session } from './session.js';

export async function exposeInbound(s: Session, connection: PodConnection): Promise<void> {
  const mappings = s.options.expose;
  if (mappings.length === 0) return;
  for (const m of mappings) s.progress(`Forwarding port ${m.podPort} of the proxy pod to localhost:${m.workstationPort} here`);
  const exposed = await exposePorts(connection.tunnel, mappings, s.log);
  s.undo.push(`stop forwarding port${mappings.length > 1 ? 's' : ''} ${mappings.map((m) => m.podPort).join(', ')} of the proxy pod`, () => exposed.close());
  s.signals.check();
}
