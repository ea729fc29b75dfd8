// Routes a pods/exec or pods/attach upgrade to ../remotecommand after the API server's and kubelet's checks (the
// container, a node, a running container), with `docker exec` / `docker attach` of the pod's container
// (contract 6: tp_<ns>_<pod>_<container>) as the runtime.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpError } from '../httpstream/handshake.js';
import { containerName, inspectContainers } from '../node/docker.js';
import { ATTACH_FAILURES, dockerAttachArgv, dockerExecArgv, EXEC_FAILURES, runProcess } from '../node/exec.js';
import { handleRemoteCommandUpgrade, type RemoteCommandTarget } from '../remotecommand/index.js';
import { containerNameFor } from './logs.js';
import type { ResourceRoute } from './rest.js';
import { badRequest } from './status.js';
import type { KObject } from './store.js';
import type { ServerContext } from './server.js';

export async function routeRemoteCommand(ctx: ServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute): Promise<void> {
  const pod = ctx.registry.get(route.info, route.namespace, route.name as string);
  const q = new URL(req.url ?? '/', 'https://apiserver').searchParams;
  const container = containerNameFor(pod, q.get('container'));
  if (!pod.spec?.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const verb = route.subresource === 'attach' ? 'attach' : 'exec';
  const command = q.getAll('command');
  if (verb === 'exec' && command.length === 0) throw badRequest('you must specify at least one command for the container');
  const name = containerName(pod.metadata.namespace, pod.metadata.name, container);
  if (!(await inspectContainers([name])).get(name)?.running) {
    // kubelet finds only running containers, and answers with the bare text (kubectl: `unable to upgrade connection: ...`).
    httpError(socket, 500, 'Internal Server Error', `container not found ("${container}")`);
    return;
  }
  const spec = (pod.spec.containers as KObject[]).find((c) => c.name === container);
  const target: RemoteCommandTarget = verb === 'exec'
    ? { verb, command, run: async (io) => {
      const outcome = await runProcess(dockerExecArgv(name, command, io.options), io, { pty: io.options.tty, failures: EXEC_FAILURES });
      // containerd's words around the runtime's text
      return 'error' in outcome ? { error: `failed to exec in container: ${outcome.error}` } : outcome;
    } }
    : { verb, command: [], run: (io) => runProcess(dockerAttachArgv(name, io.options), io,
      // docker attaches a terminal only from a terminal; the container decides whether it has one.
      { pty: io.options.tty || (spec?.tty === true && io.options.stdin), failures: ATTACH_FAILURES, keepStdinOpen: spec?.stdinOnce !== true }) };
  handleRemoteCommandUpgrade(req, socket, head, target);
}
