// The kubelet (a daemon in the host netns): registers node tp-node (contract 3), runs the pods bound
// to it as Docker containers (one PodWorker each), runs kube-proxy, and on start removes containers
// and veths of pods that no longer exist. Entry: node dist/test/cluster/node/kubelet.js --state-dir DIR
import fs from 'node:fs';
import os from 'node:os';

import { currentInstance } from '../instance.js';
import { clusterAddresses, readHostAccess, readSettings, stateDir, statePaths } from '../state.js';
import { clusterLabel, LABEL_UID, clusterContainers, removeContainers } from './docker.js';
import { Informer } from './informer.js';
import { PodIpAllocator } from './ipam.js';
import { ApiError, KubeClient } from './kube-client.js';
import { KubeProxy } from './kube-proxy.js';
import { hostPortMappings } from './hostport-rules.js';
import { attachedPodIps, detachPodNetwork } from './pod-network.js';
import { PodEvents } from './pod-events.js';
import type { Pod } from './pod-types.js';
import { type KubeletContext, PodWorker } from './pod-worker.js';
import { pollUntil } from './run.js';
import { execa } from 'execa';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} kubelet: ${line}\n`);
}

const dirIndex = process.argv.indexOf('--state-dir');
const dir = dirIndex > 0 ? process.argv[dirIndex + 1]! : stateDir();
const paths = statePaths(dir);
// This instance's node (tp-node, or tp-node-N: $TP_CLUSTER_INSTANCE, set by `up`).
const NODE_NAME = currentInstance().nodeName;
const settings = readSettings(dir);
const { gateway } = clusterAddresses(settings);

async function registerNode(client: KubeClient): Promise<void> {
  const spec = { podCIDR: settings.podSubnet, podCIDRs: [settings.podSubnet] };
  try {
    await client.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', spec,
      metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    });
    log(`registered node ${NODE_NAME}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
    await client.request('PATCH', `/api/v1/nodes/${NODE_NAME}`, { spec }, 'application/merge-patch+json');
  }
  await heartbeat(client);
}

async function heartbeat(client: KubeClient): Promise<void> {
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resources = { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' };
  await client.request('PATCH', `/api/v1/nodes/${NODE_NAME}/status`, { status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t }],
    addresses: [{ type: 'InternalIP', address: gateway }, { type: 'Hostname', address: NODE_NAME }],
    capacity: resources, allocatable: resources,
    nodeInfo: { kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', containerRuntimeVersion: 'docker://20.10', osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: os.release(), architecture: 'amd64', operatingSystem: 'linux', machineID: '', systemUUID: '', bootID: '' },
  } }, 'application/merge-patch+json');
}

async function main(): Promise<void> {
  const client = await pollUntil('the API server', 60_000, async () => {
    try {
      const c = KubeClient.fromStateDir(dir, 'tcp');
      await c.request('GET', '/api');
      return c;
    } catch {
      return undefined;
    }
  });
  await registerNode(client);
  setInterval(() => heartbeat(client).catch((err: Error) => {
    log(`node heartbeat: ${err.message}`);
    if (err instanceof ApiError && err.code === 404) registerNode(client).catch((e: Error) => log(`register: ${e.message}`));
  }), 10_000);

  // hostPorts follow the pods of this node (the informer below); kube-proxy writes their rules too.
  let podsOfNode: Iterable<Pod> = [];
  const proxy = new KubeProxy(client, gateway, log, () => hostPortMappings(podsOfNode), () => readHostAccess(dir)?.egressDevice);
  await proxy.start();
  // `up --host-access` and `down --host-access` write and remove the record while the kubelet runs.
  fs.watchFile(paths.hostAccess, { interval: 250 }, () => proxy.changed());

  const ipam = new PodIpAllocator(settings.podSubnet);
  // Go on after the last IP handed out before a restart, so that a just-freed IP is not reused at once.
  const lastIpFile = `${dir}/kubelet.last-ip`;
  if (fs.existsSync(lastIpFile)) {
    const last = fs.readFileSync(lastIpFile, 'utf8').trim();
    ipam.reserve(last);
    ipam.release(last);
  }
  const workers = new Map<string, PodWorker>();
  const timers = new Map<string, NodeJS.Timeout>();
  const ctx: KubeletContext = {
    paths, settings, client, hostIp: gateway, log, events: new PodEvents(client, NODE_NAME, log),
    services: () => proxy.services.items.values(),
    allocateIp: () => {
      const ip = ipam.allocate();
      fs.writeFileSync(lastIpFile, `${ip}\n`);
      return ip;
    },
    releaseIp: (ip) => ipam.release(ip),
    wakeAfter: (uid, ms) => {
      const due = Date.now() + ms;
      const t = timers.get(uid) as (NodeJS.Timeout & { due?: number }) | undefined;
      if (t?.due !== undefined && t.due <= due) return;
      clearTimeout(t);
      const timer = setTimeout(() => {
        timers.delete(uid);
        void workers.get(uid)?.sync();
      }, Math.max(ms, 0)) as NodeJS.Timeout & { due?: number };
      timer.due = due;
      timers.set(uid, timer);
    },
  };

  // Reconcile what an earlier kubelet left: adopt sandboxes of pods that still exist, remove the rest.
  const podPath = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${NODE_NAME}`)}`;
  const initial = await client.request<{ items: Pod[] }>('GET', podPath);
  const live = new Map(initial.items.map((p) => [p.metadata.uid, p]));
  const containers = await clusterContainers();
  const veths = new Set(await attachedPodIps());
  const stale: string[] = [];
  for (const c of containers) {
    const pod = live.get(c.uid);
    if (!pod || pod.metadata.deletionTimestamp || !c.name.endsWith('_POD') || !c.ip || !veths.has(c.ip)) continue;
    const counts = new Map(containers.filter((x) => x.uid === c.uid && !x.name.endsWith('_previous'))
      .map((x) => [x.name.split('_').pop()!, x.restartCount]));
    ipam.reserve(c.ip);
    workers.set(c.uid, new PodWorker(ctx, pod, { ip: c.ip, restartCounts: counts }));
  }
  for (const c of containers) if (c.uid && !workers.has(c.uid)) stale.push(c.name);
  await removeContainers(stale);
  const adoptedIps = new Set([...workers.values()].map((w) => w.ip));
  for (const ip of veths) if (!adoptedIps.has(ip)) await detachPodNetwork(ip);
  if (stale.length) log(`removed ${stale.length} stale containers`);

  const pods = new Informer<Pod>(client, podPath, (type, pod) => {
    proxy.changed();
    if (type === 'SYNC') {
      for (const [uid, w] of workers) if (![...pods.items.values()].some((p) => p.metadata.uid === uid)) {
        workers.delete(uid);
        void w.terminate(false);
      }
      for (const p of pods.items.values()) handle(p);
    } else if (type === 'DELETED') {
      const w = workers.get(pod!.metadata.uid);
      workers.delete(pod!.metadata.uid);
      void w?.terminate(false);
    } else handle(pod!);
  }, log);
  function handle(p: Pod): void {
    let w = workers.get(p.metadata.uid);
    if (!w) workers.set(p.metadata.uid, (w = new PodWorker(ctx, p)));
    w.pod = p;
    void w.sync();
  }
  podsOfNode = { [Symbol.iterator]: () => pods.items.values() };
  await pods.start();
  setInterval(() => { for (const w of workers.values()) void w.sync(); }, 10_000);
  watchDockerEvents((uid) => void workers.get(uid)?.sync());
  fs.writeFileSync(`${dir}/kubelet.ready`, `${process.pid}\n`);
  log('ready');
}

/** Container start/die events wake the pod's worker at once. */
function watchDockerEvents(wake: (uid: string) => void): void {
  const child = execa('docker', ['events', '--filter', `label=${clusterLabel()}`, '--filter', 'type=container', '--format', '{{json .}}'], { buffer: false });
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const e = JSON.parse(line) as { status?: string; Actor?: { Attributes?: Record<string, string> } };
        const uid = e.Actor?.Attributes?.[LABEL_UID];
        if (uid && ['start', 'die', 'oom'].includes(e.status ?? '')) wake(uid);
      } catch {
        // not an event line
      }
    }
  });
  child.catch((err: Error) => {
    log(`docker events ended: ${err.message}`);
    setTimeout(() => watchDockerEvents(wake), 1000);
  });
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
