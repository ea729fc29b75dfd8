// Routes a pods/portforward upgrade to the PORTFORWARD helper's handler (contract 8), dialing the
// pod through the node's relay (contract 7), after checking that the pod exists and runs.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { execa } from 'execa';
import { dialPod } from '../node/dial.js';
import { pauseName } from '../node/docker.js';
import { handlePortForwardUpgrade } from '../portforward/index.js';
import { badRequest } from './status.js';
import type { ResourceRoute } from './rest.js';
import type { ServerContext } from './server.js';

/** The pod's sandbox id (its pause container's id), which kubelet's error texts name; undefined when unknown. */
async function sandboxIdOf(namespace: string, pod: string): Promise<string | undefined> {
  const r = await execa('docker', ['inspect', '--format', '{{.Id}}', pauseName(namespace, pod)], { reject: false, timeout: 3000 });
  const id = String(r.stdout).trim();
  return r.exitCode === 0 && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

export async function routePortForward(ctx: ServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute): Promise<void> {
  const pod = ctx.registry.get(route.info, route.namespace, route.name as string);
  if (pod.status?.phase !== 'Running') {
    throw badRequest(`pod ${pod.metadata.name} is not running and cannot be port-forwarded: current status=${pod.status?.phase ?? 'Pending'}`);
  }
  const podIp: string | undefined = pod.status?.podIP;
  if (!podIp) throw badRequest(`pod ${pod.metadata.name} has no IP yet`);
  const sandboxId = await sandboxIdOf(pod.metadata.namespace, pod.metadata.name);
  handlePortForwardUpgrade(req, socket, head, {
    podName: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, sandboxId,
    dial: (port) => dialPod(ctx.stateDir, podIp, port),
  });
}
