// pods/log: `docker logs` of the pod's app container (contract 6: tp_<ns>_<pod>_<container>),
// with container, follow, tailLines, previous, timestamps, sinceSeconds and limitBytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { execa } from 'execa';
import { containerName } from '../node/docker.js';
import { badRequest } from './status.js';
import type { KObject } from './store.js';
import { intParam, boolParam } from './http.js';

export function containerNameFor(pod: KObject, requested: string | null): string {
  const names: string[] = (pod.spec.containers ?? []).map((c: KObject) => c.name);
  const podName = pod.metadata.name;
  if (!requested) {
    if (names.length === 1) return names[0];
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`);
  }
  const init: string[] = [...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])].map((c: KObject) => c.name);
  if (!names.includes(requested) && !init.includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  }
  return requested;
}

export async function serveLogs(req: IncomingMessage, res: ServerResponse, pod: KObject, q: URLSearchParams): Promise<void> {
  const container = containerNameFor(pod, q.get('container'));
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]
    .find((c: KObject) => c.name === container);
  const waiting = status?.state?.waiting;
  if (!status || (waiting && !status.lastState?.terminated && !(status.restartCount > 0))) {
    const why = waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`);
  }
  const previous = boolParam(q, 'previous');
  if (previous && !status.lastState?.terminated) {
    throw badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
  }
  const args = ['logs'];
  const follow = boolParam(q, 'follow');
  if (follow) args.push('--follow');
  const tail = intParam(q, 'tailLines');
  if (tail !== undefined) args.push('--tail', String(tail));
  if (boolParam(q, 'timestamps')) args.push('--timestamps');
  const since = intParam(q, 'sinceSeconds');
  if (since !== undefined) args.push('--since', `${since}s`);
  // The kubelet keeps the previous instance as <name>_previous (test/cluster/node/pod-worker.ts).
  const name = `${containerName(pod.metadata.namespace, pod.metadata.name, container)}${previous ? '_previous' : ''}`;
  args.push(name);
  // Between a container's exit and its restart there is no container of that name: say so as an
  // error, as the kubelet does, rather than answering 200 with Docker's complaint as the log.
  const exists = await execa('docker', ['container', 'inspect', '-f', '{{.Id}}', name], { reject: false });
  if (exists.exitCode !== 0) {
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ContainerCreating`);
  }
  const child = execa('docker', args, { all: true, buffer: false, reject: false });
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const limit = intParam(q, 'limitBytes');
  let sent = 0;
  child.all?.on('data', (chunk: Buffer) => {
    if (limit !== undefined) {
      if (sent >= limit) return;
      chunk = chunk.subarray(0, limit - sent);
    }
    sent += chunk.length;
    res.write(chunk);
  });
  const stop = () => child.kill();
  req.on('close', stop);
  res.on('error', stop);
  await child;
  req.off('close', stop);
  if (!res.writableEnded) res.end();
}
