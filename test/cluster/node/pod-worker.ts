// One pod on the node: creates its sandbox (pause container, veth, files), starts, watches and
// restarts its containers per restartPolicy with back-off, probes readiness, writes the truthful
// status (contract 5) and tears it all down when the pod is deleted (contract 4). Syncs are serialized.
import fs from 'node:fs';

import type { ClusterSettings, statePaths } from '../state.js';
import type { ServiceObject } from './cluster-dns.js';
import { containerEnv, dockerRunArgs } from './container-config.js';
import { clusterLabel, LABEL_IP, LABEL_UID, type ContainerInfo, containerName, inspectContainers, pauseName, removeContainers } from './docker.js';
import { podHostname } from './hosts-file.js';
import { ImagePulls, imageForStart } from './image-pull.js';
import { EphemeralContainers } from './ephemeral.js';
import { ApiError, type KubeClient } from './kube-client.js';
import { attachPodNetwork, detachPodNetwork } from './pod-network.js';
import type { PodEvents } from './pod-events.js';
import { podDir, preparePodFiles } from './pod-files.js';
import { type Condition, type ContainerState, type ContainerStatus, type PodPhase, backoffMs, podConditions, podPhase, terminatedOf } from './pod-status.js';
import { ContainerConfigError, type Container, type Pod } from './pod-types.js';
import { runProbe } from './probes.js';
import { BASE_IMAGE } from '../images/build.js';
import { run, tryRun } from './run.js';
import { serviceEnv, servicesForPod } from './service-env.js';
import { startAppContainer } from './container-start.js';

export interface KubeletContext {
  readonly paths: ReturnType<typeof statePaths>;
  readonly settings: ClusterSettings;
  readonly client: KubeClient;
  readonly hostIp: string;
  services(): Iterable<ServiceObject>;
  allocateIp(): string;
  releaseIp(ip: string): void;
  wakeAfter(uid: string, ms: number): void;
  log(line: string): void;
  readonly events: PodEvents;
}

interface ContainerRecord {
  restartCount: number;
  lastTerminated?: Extract<ContainerState, { terminated: unknown }>;
  ready: boolean;
  probeFailures: number;
  nextProbeAt: number;
  waiting?: { reason: string; message?: string };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class PodWorker {
  ip?: string;
  private sandboxReady = false;
  private volumes?: Map<string, string>;
  private readonly records = new Map<string, ContainerRecord>();
  private readonly pulls = new ImagePulls();
  private readonly ephemeral = new EphemeralContainers(this.pulls);
  private conditions: Condition[] = [];
  private startTime?: string;
  private lastWritten = '';
  private phase: PodPhase = 'Pending';
  private removed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: KubeletContext, public pod: Pod, adopted?: { ip: string; restartCounts: Map<string, number> }) {
    if (adopted) {
      this.ip = adopted.ip;
      this.sandboxReady = true;
      this.startTime = (pod.status?.startTime as string | undefined) ?? now();
      for (const [name, n] of adopted.restartCounts) this.record(name).restartCount = n;
    }
  }

  get uid(): string {
    return this.pod.metadata.uid;
  }

  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.syncOnce()).catch((err: Error) => {
      this.ctx.log(`pod ${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${err.message}`);
      this.ctx.wakeAfter(this.uid, 2000);
    });
    return this.chain;
  }

  /** Stops and removes everything; with `deleteObject` also removes the pod object (grace 0). */
  terminate(deleteObject: boolean): Promise<void> {
    this.chain = this.chain.then(() => this.teardown(deleteObject)).catch((err: Error) => this.ctx.log(`teardown: ${err.message}`));
    return this.chain;
  }

  private record(name: string): ContainerRecord {
    let r = this.records.get(name);
    if (!r) this.records.set(name, (r = { restartCount: 0, ready: false, probeFailures: 0, nextProbeAt: 0 }));
    return r;
  }

  private names(c: Container): { name: string; previous: string } {
    const name = containerName(this.pod.metadata.namespace, this.pod.metadata.name, c.name);
    return { name, previous: `${name}_previous` };
  }

  private async syncOnce(): Promise<void> {
    if (this.removed) return;
    if (this.pod.metadata.deletionTimestamp) return this.teardown(true);
    if (!this.sandboxReady) {
      await this.writeStatus(new Map());
      await this.createSandbox();
    }
    const { namespace: ns, name } = this.pod.metadata;
    const infos = await inspectContainers([pauseName(ns, name), ...this.pod.spec.containers.map((c) => this.names(c).name), ...this.ephemeral.names(this.pod)]);
    if (!infos.get(pauseName(ns, name))?.running && this.phase !== 'Succeeded' && this.phase !== 'Failed') return this.recreateSandbox();
    for (const c of this.pod.spec.containers) await this.syncContainer(c, infos);
    if (this.phase === 'Running') {
      await this.ephemeral.sync(this.pod, infos, { runArgs: (c, user) => this.runArgs(c, user), wakeAfter: (ms) => this.ctx.wakeAfter(this.uid, ms), log: this.ctx.log });
    }
    await this.writeStatus(infos);
  }

  /** The pause container died (e.g. dockerd restarted): like kubelet, start the pod's sandbox over. */
  private async recreateSandbox(): Promise<void> {
    const { namespace: ns, name } = this.pod.metadata;
    this.ctx.log(`pod ${ns}/${name}: sandbox ${pauseName(ns, name)} is gone; creating a new one`);
    this.ctx.events.sandboxChanged(this.pod);
    await removeContainers([pauseName(ns, name), ...this.pod.spec.containers.map((c) => this.names(c).name), ...this.ephemeral.names(this.pod)]);
    if (this.ip) {
      await detachPodNetwork(this.ip);
      this.ctx.releaseIp(this.ip);
      this.ip = undefined;
    }
    this.sandboxReady = false;
    for (const r of this.records.values()) if (!r.waiting) r.restartCount++;
    this.ctx.wakeAfter(this.uid, 0);
  }

  private async createSandbox(): Promise<void> {
    const { namespace: ns, name } = this.pod.metadata;
    this.ip ??= this.ctx.allocateIp();
    this.startTime ??= now();
    const dir = podDir(this.ctx.paths.podsDir, this.uid);
    this.volumes = await preparePodFiles(this.pod, this.ip, dir, this.ctx.client, this.ctx.settings, this.ctx.paths.caCrt);
    const names = [pauseName(ns, name), ...this.pod.spec.containers.flatMap((c) => Object.values(this.names(c)))];
    await removeContainers(names); // left by an earlier pod of the same name
    await run('docker', ['run', '-d', '--network', 'none', '--name', pauseName(ns, name), '--hostname', podHostname(this.pod),
      '--label', clusterLabel(), '--label', `${LABEL_UID}=${this.uid}`, '--label', `${LABEL_IP}=${this.ip}`, BASE_IMAGE, 'sleep', 'infinity']);
    const pause = (await inspectContainers([pauseName(ns, name)])).get(pauseName(ns, name));
    if (!pause?.running) throw new Error(`the pause container ${pauseName(ns, name)} is not running`);
    await attachPodNetwork(pause.pid, this.ip, this.ctx.settings);
    this.sandboxReady = true;
    this.ctx.log(`pod ${ns}/${name}: sandbox up with IP ${this.ip}`);
  }

  private async syncContainer(c: Container, infos: Map<string, ContainerInfo>): Promise<void> {
    const rec = this.record(c.name);
    const { name, previous } = this.names(c);
    let info = infos.get(name);
    if (info && !info.running) {
      const term = terminatedOf(info);
      const policy = this.pod.spec.restartPolicy ?? 'Always';
      if (policy === 'Never' || (policy === 'OnFailure' && term.terminated.exitCode === 0)) return;
      const due = Date.parse(info.finishedAt) + backoffMs(rec.restartCount);
      if (Date.now() < due) {
        rec.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${backoffMs(rec.restartCount) / 1000}s restarting failed container=${c.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})` };
        this.ctx.events.backOff(this.pod, c);
        this.ctx.wakeAfter(this.uid, due - Date.now() + 50);
        return;
      }
      rec.lastTerminated = term;
      await tryRun('docker', ['rm', '-f', previous]);
      await run('docker', ['rename', name, previous]);
      rec.restartCount++;
      info = undefined;
    }
    if (!info) {
      const image = await imageForStart(this.pulls, c);
      if (!image.ok) {
        rec.waiting = { reason: image.reason, message: image.message };
        this.ctx.events.imageNotReady(this.pod, c, image.reason, image.message);
        this.ctx.wakeAfter(this.uid, image.retryMs);
        return;
      }
      this.ctx.events.pulled(this.pod, c);
      try {
        const args = await this.runArgs(c, image.user);
        args.splice(2, 0, '--label', `tp-restart-count=${rec.restartCount}`);
        const r = await startAppContainer(args, c);
        if (r.exitCode !== 0) this.ctx.log(`docker run ${name}: ${r.stderr.trim()}`);
        if (r.exitCode !== 0) this.ctx.events.failed(this.pod, c, r.stderr.trim().split('\n').pop() ?? '');
        else this.ctx.events.createdAndStarted(this.pod, c);
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        rec.waiting = { reason: 'CreateContainerConfigError', message: err.message };
        this.ctx.events.failed(this.pod, c, err.message);
        this.ctx.wakeAfter(this.uid, 2000);
        return;
      }
      rec.waiting = undefined;
      rec.ready = false;
      rec.probeFailures = 0;
      rec.nextProbeAt = 0;
      info = (await inspectContainers([name])).get(name);
      if (info) infos.set(name, info);
      if (!info?.running) return this.ctx.wakeAfter(this.uid, 100);
    }
    rec.waiting = undefined;
    await this.probe(c, rec, info);
  }

  private async runArgs(c: Container, imageUser: string): Promise<string[]> {
    const services = servicesForPod(this.ctx.services(), this.pod.metadata.namespace, this.pod.spec.enableServiceLinks ?? true);
    const env = await containerEnv(this.pod, c, this.ip!, serviceEnv(services), this.ctx.client);
    return dockerRunArgs({ pod: this.pod, container: c, env, volumes: this.volumes ?? new Map(), podDir: podDir(this.ctx.paths.podsDir, this.uid), imageUser });
  }

  private async probe(c: Container, rec: ContainerRecord, info: ContainerInfo): Promise<void> {
    const p = c.readinessProbe;
    if (!p) {
      rec.ready = true;
      return;
    }
    const first = Date.parse(info.startedAt) + (p.initialDelaySeconds ?? 0) * 1000;
    const at = Math.max(rec.nextProbeAt, first);
    if (Date.now() >= at) {
      const ok = await runProbe(this.ctx.paths.dir, this.ip!, info.name, c, p);
      rec.probeFailures = ok ? 0 : rec.probeFailures + 1;
      if (ok) rec.ready = true;
      else if (rec.probeFailures >= (p.failureThreshold ?? 3)) rec.ready = false;
      rec.nextProbeAt = Date.now() + (p.periodSeconds ?? 10) * 1000;
    }
    this.ctx.wakeAfter(this.uid, Math.max(rec.nextProbeAt, first) - Date.now() + 10);
  }

  private containerStatus(c: Container, info: ContainerInfo | undefined): ContainerStatus {
    const rec = this.record(c.name);
    let state: ContainerState;
    if (!this.sandboxReady) state = { waiting: { reason: 'ContainerCreating' } };
    else if (rec.waiting) state = { waiting: rec.waiting };
    else if (info?.running) state = { running: { startedAt: info.startedAt } };
    else if (info) state = terminatedOf(info);
    else state = { waiting: { reason: 'ContainerCreating' } };
    const running = 'running' in state;
    return {
      name: c.name, image: c.image, imageID: info ? `docker://${info.imageId}` : '',
      ...(info ? { containerID: `docker://${info.id}` } : {}),
      ready: running && rec.ready, started: running, restartCount: rec.restartCount,
      state, lastState: rec.lastTerminated ?? {},
    };
  }

  private async writeStatus(infos: Map<string, ContainerInfo>): Promise<void> {
    const statuses = this.pod.spec.containers.map((c) => this.containerStatus(c, infos.get(this.names(c).name)));
    const phase = (this.phase = podPhase(statuses, this.pod.spec.restartPolicy ?? 'Always', this.sandboxReady));
    this.conditions = podConditions(phase, statuses, this.conditions, now());
    const status = {
      phase, conditions: this.conditions, hostIP: this.ctx.hostIp, hostIPs: [{ ip: this.ctx.hostIp }],
      ...(this.ip && this.sandboxReady ? { podIP: this.ip, podIPs: [{ ip: this.ip }] } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      containerStatuses: statuses, qosClass: 'BestEffort',
      ...(this.pod.spec.ephemeralContainers?.length ? { ephemeralContainerStatuses: this.ephemeral.statuses(this.pod, infos) } : {}),
    };
    const text = JSON.stringify(status);
    if (text === this.lastWritten) return;
    const { namespace: ns, name } = this.pod.metadata;
    try {
      await this.ctx.client.request('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { status }, 'application/merge-patch+json');
      this.lastWritten = text;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  private async teardown(deleteObject: boolean): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    const { namespace: ns, name } = this.pod.metadata;
    const grace = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    const apps = this.pod.spec.containers.map((c) => this.names(c));
    const running = await inspectContainers(apps.map((n) => n.name));
    for (const c of this.pod.spec.containers) if (running.get(this.names(c).name)?.running) this.ctx.events.killing(this.pod, c);
    await Promise.all(apps.map((n) => tryRun('docker', ['stop', '-t', String(grace), n.name])));
    await removeContainers([...apps.flatMap((n) => [n.name, n.previous]), ...this.ephemeral.names(this.pod), pauseName(ns, name)]);
    if (this.ip) {
      await detachPodNetwork(this.ip);
      this.ctx.releaseIp(this.ip);
    }
    fs.rmSync(podDir(this.ctx.paths.podsDir, this.uid), { recursive: true, force: true });
    this.ctx.log(`pod ${ns}/${name}: removed`);
    if (!deleteObject) return;
    try {
      await this.ctx.client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`,
        { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}
