// Routes a pods/portforward upgrade to the PORTFORWARD helper's handler (contract 8), dialing the
// pod through the node's relay (contract 7). Both modules are loaded when first needed so the API
// server also runs where they are not built.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest } from './status.js';
import type { ResourceRoute } from './rest.js';
import type { ServerContext } from './server.js';

type PortForwardHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, target: {
  podName: string; namespace: string; uid: string; dial: (port: number) => Promise<Duplex>;
}) => void;
type DialPod = (stateDir: string, podIp: string, port: number) => Promise<Duplex>;

async function load<T>(path: string, name: string): Promise<T> {
  try {
    const mod = (await import(path)) as Record<string, unknown>;
    if (typeof mod[name] !== 'function') throw new Error(`${path} has no export ${name}`);
    return mod[name] as T;
  } catch (err) {
    throw new ApiError(500, 'InternalError', `Internal error occurred: port-forward is not available: ${(err as Error).message}`);
  }
}

export async function routePortForward(ctx: ServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute): Promise<void> {
  const pod = ctx.registry.get(route.info, route.namespace, route.name as string);
  if (pod.status?.phase !== 'Running') {
    throw badRequest(`pod ${pod.metadata.name} is not running and cannot be port-forwarded: current status=${pod.status?.phase ?? 'Pending'}`);
  }
  const podIp: string | undefined = pod.status?.podIP;
  if (!podIp) throw badRequest(`pod ${pod.metadata.name} has no IP yet`);
  const handle = await load<PortForwardHandler>('../portforward/index.js', 'handlePortForwardUpgrade');
  const dialPod = await load<DialPod>('../node/dial.js', 'dialPod');
  handle(req, socket, head, {
    podName: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid,
    dial: (port) => dialPod(ctx.stateDir, podIp, port),
  });
}
