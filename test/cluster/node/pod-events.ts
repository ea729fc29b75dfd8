// The events the kubelet records about pods and their containers, with the kubelet's reasons and texts
// (pkg/kubelet/events, kuberuntime, images), written over HTTPS through the cluster's one recorder.
// Each call returns at once; a failed write is logged, never thrown.
import { EventRecorder, referenceTo, type EventSink } from '../events/recorder.js';
import { ApiError, type KubeClient } from './kube-client.js';
import type { Container, Pod } from './pod-types.js';

/** The part of a pod an event is about: `spec.containers{NAME}` (or init/ephemeral containers). */
function fieldPathOf(pod: Pod, c: Container): string {
  const spec = pod.spec as { initContainers?: Container[]; ephemeralContainers?: Container[] };
  if (spec.initContainers?.some((x) => x.name === c.name)) return `spec.initContainers{${c.name}}`;
  if (spec.ephemeralContainers?.some((x) => x.name === c.name)) return `spec.ephemeralContainers{${c.name}}`;
  return `spec.containers{${c.name}}`;
}

export class PodEvents {
  private readonly recorder: EventRecorder;

  constructor(client: KubeClient, nodeName: string, log: (line: string) => void) {
    const sink: EventSink = {
      create: (ns, event) => client.request('POST', `/api/v1/namespaces/${ns}/events`, event),
      patch: (ns, name, patch) => client.request('PATCH', `/api/v1/namespaces/${ns}/events/${name}`, patch, 'application/strategic-merge-patch+json'),
      isNotFound: (err) => err instanceof ApiError && err.code === 404,
      failed: (err, e) => log(`event ${e.reason} for ${e.involvedObject.namespace}/${e.involvedObject.name}: ${(err as Error).message}`),
    };
    this.recorder = new EventRecorder(sink, { component: 'kubelet', host: nodeName });
  }

  private container(pod: Pod, c: Container, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.recorder.record(referenceTo({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, fieldPathOf(pod, c)), type, reason, message);
  }

  /** The image is on the node and the policy lets it be used. */
  pulled(pod: Pod, c: Container): void {
    this.container(pod, c, 'Normal', 'Pulled', `Container image ${JSON.stringify(c.image)} already present on machine`);
  }

  /** The container cannot start for its image: the reason is the container's waiting reason. */
  imageNotReady(pod: Pod, c: Container, reason: string, message: string): void {
    const image = JSON.stringify(c.image);
    if (reason === 'ErrImageNeverPull') this.container(pod, c, 'Warning', 'ErrImageNeverPull', message);
    else if (reason === 'ErrImagePull') {
      this.container(pod, c, 'Normal', 'Pulling', `Pulling image ${image}`);
      this.container(pod, c, 'Warning', 'Failed', `Failed to pull image ${image}: ${message}`);
    } else if (reason === 'ImagePullBackOff') this.container(pod, c, 'Normal', 'BackOff', `Back-off pulling image ${image}`);
    else this.container(pod, c, 'Warning', 'InspectFailed', message);
    this.container(pod, c, 'Warning', 'Failed', `Error: ${reason}`);
  }

  /** `docker run` creates and starts in one step: both events, in the kubelet's order. */
  createdAndStarted(pod: Pod, c: Container): void {
    this.container(pod, c, 'Normal', 'Created', `Created container: ${c.name}`);
    this.container(pod, c, 'Normal', 'Started', `Started container ${c.name}`);
  }

  /** Creating or starting the container failed (the runtime's error), or its config could not be made. */
  failed(pod: Pod, c: Container, error: string): void {
    this.container(pod, c, 'Warning', 'Failed', `Error: ${error}`);
  }

  backOff(pod: Pod, c: Container): void {
    const { name, namespace, uid } = pod.metadata;
    this.container(pod, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${name}_${namespace}(${uid})`);
  }

  killing(pod: Pod, c: Container): void {
    this.container(pod, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
  }

  sandboxChanged(pod: Pod): void {
    void this.recorder.record(referenceTo({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
  }
}
