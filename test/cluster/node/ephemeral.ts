// Ephemeral containers on the node (kubectl debug): each one runs once, in the pod's network namespace
// (the pause container's) and, with targetContainerName, in the target's PID namespace; never restarted.
// Their states become status.ephemeralContainerStatuses.
import { containerName, type ContainerInfo, inspectContainers } from './docker.js';
import { type ImagePulls, imageForStart } from './image-pull.js';
import type { ContainerState, ContainerStatus } from './pod-status.js';
import { terminatedOf } from './pod-status.js';
import { ContainerConfigError, type Container, type Pod } from './pod-types.js';
import { tryRun } from './run.js';

export interface EphemeralHost {
  /** `docker run` arguments for a container of the pod (env, mounts, securityContext) with the image's USER. */
  runArgs(c: Container, imageUser: string): Promise<string[]>;
  wakeAfter(ms: number): void;
  log(line: string): void;
}

export class EphemeralContainers {
  private readonly started = new Set<string>();
  private readonly waiting = new Map<string, { reason: string; message?: string }>();

  constructor(private readonly pulls: ImagePulls) {}

  /** The Docker names of the pod's ephemeral containers. */
  names(pod: Pod): string[] {
    return (pod.spec.ephemeralContainers ?? []).map((c) => containerName(pod.metadata.namespace, pod.metadata.name, c.name));
  }

  /** Starts what has not run yet; adds what it started to `infos`, so the status written next sees it. */
  async sync(pod: Pod, infos: Map<string, ContainerInfo>, host: EphemeralHost): Promise<void> {
    const { namespace: ns, name: podName } = pod.metadata;
    for (const c of pod.spec.ephemeralContainers ?? []) {
      const name = containerName(ns, podName, c.name);
      if (this.started.has(c.name)) continue;
      if (infos.has(name)) {
        this.started.add(c.name); // an earlier kubelet started it
        continue;
      }
      const image = await imageForStart(this.pulls, c);
      if (!image.ok) {
        this.waiting.set(c.name, { reason: image.reason, message: image.message });
        host.wakeAfter(image.retryMs);
        continue;
      }
      let args: string[];
      try {
        args = await host.runArgs(c, image.user);
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
        host.wakeAfter(2000);
        continue;
      }
      if (c.targetContainerName) args.splice(2, 0, '--pid', `container:${containerName(ns, podName, c.targetContainerName)}`);
      const r = await tryRun('docker', args);
      this.waiting.delete(c.name);
      this.started.add(c.name);
      if (r.exitCode !== 0) host.log(`docker run ${name}: ${r.stderr.trim()}`);
      const started = (await inspectContainers([name])).get(name);
      if (started) infos.set(name, started);
      host.wakeAfter(100);
    }
  }

  statuses(pod: Pod, infos: ReadonlyMap<string, ContainerInfo>): ContainerStatus[] {
    return (pod.spec.ephemeralContainers ?? []).map((c) => {
      const info = infos.get(containerName(pod.metadata.namespace, pod.metadata.name, c.name));
      let state: ContainerState;
      if (info?.running) state = { running: { startedAt: info.startedAt } };
      else if (info) state = terminatedOf(info);
      else if (this.started.has(c.name)) {
        state = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', startedAt: '', finishedAt: '' } };
      } else state = { waiting: this.waiting.get(c.name) ?? { reason: 'ContainerCreating' } };
      return {
        name: c.name, image: c.image, imageID: info ? `docker://${info.imageId}` : '',
        ...(info ? { containerID: `docker://${info.id}` } : {}),
        ready: false, started: 'running' in state, restartCount: 0, state, lastState: {},
      };
    });
  }
}
