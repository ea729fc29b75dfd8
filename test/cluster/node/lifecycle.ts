// `up`, `down` and `status` of the local test cluster: what runs, in which order, and its undo.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureImages } from '../images/build.js';
import { currentInstance } from '../instance.js';
import { type ClusterSettings, readSettings, statePaths, writeSettings } from '../state.js';
import { type DaemonSpec, daemonPid, daemonRunning, startDaemon, stopDaemon } from './daemons.js';
import { hostAccessStatus, setupHostAccess, teardownHostAccess } from './host-access.js';
import { clusterCommand, guardedBy, handOverDockerd, instancesLine, instancesUp, otherInstancesUp } from './instances.js';
import { guardRoutesPresent, installGuardRoutes, netnsExists, setupNodeNetns, teardownNodeNetwork } from './host-network.js';
import { KubeClient } from './kube-client.js';
import { pollUntil, run, tryRun } from './run.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'); // dist/test/cluster

// Every function below acts on this process's instance (currentInstance(): the CLI's --instance); the
// daemons inherit $TP_CLUSTER_INSTANCE, so they take the instance's names too.
function daemons(dir: string, settings: ClusterSettings): Record<'apiserver' | 'agent' | 'kubelet', DaemonSpec> {
  const node = process.execPath;
  const inst = currentInstance();
  const entry = (rel: string) => path.join(DIST, rel);
  return {
    apiserver: { name: 'apiserver', marker: 'apiserver/main.js', command: node, args: [entry('apiserver/main.js'), '--state-dir', dir,
      '--port', String(inst.apiPort), '--service-cidr', settings.serviceSubnet, '--pod-cidr', settings.podSubnet] },
    agent: { name: 'node-agent', marker: 'node/agent.js', command: 'ip', args: ['netns', 'exec', inst.netns, node, entry('node/agent.js'), '--state-dir', dir] },
    kubelet: { name: 'kubelet', marker: 'node/kubelet.js', command: node, args: [entry('node/kubelet.js'), '--state-dir', dir] },
  };
}
const DOCKERD: DaemonSpec = { name: 'dockerd', marker: 'dockerd', command: 'dockerd', args: ['--iptables=false', '--ip-forward=false', '--bridge=none'] };

async function dockerAnswers(): Promise<true | undefined> {
  return (await tryRun('docker', ['info', '--format', '{{.ServerVersion}}'])).exitCode === 0 ? true : undefined;
}

async function nodeReady(client: KubeClient): Promise<true | undefined> {
  try {
    const node = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/api/v1/nodes/${currentInstance().nodeName}`);
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Idempotent: starts what does not run, builds what is missing; returns the kubeconfig paths (the host's,
 * then with `hostAccess` tp-ws's). Without `hostAccess` a host-access topology already there is left as it is.
 */
export async function clusterUp(dir: string, wanted: ClusterSettings, log: (line: string) => void, hostAccess = false): Promise<string[]> {
  const paths = statePaths(dir);
  const inst = currentInstance();
  if (hostAccess && inst.name !== '') throw new Error(`the host-access topology is the default instance's only (its netns tp-ws and 192.168.56.0/24 are one per machine): drop --instance ${inst.name} or --host-access`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const current = readSettings(dir);
  const specs = daemons(dir, wanted);
  const apiRuns = daemonPid(dir, specs.apiserver) !== undefined;
  if (apiRuns && (current.podSubnet !== wanted.podSubnet || current.serviceSubnet !== wanted.serviceSubnet)) {
    throw new Error(`the cluster runs with pod subnet ${current.podSubnet} and service subnet ${current.serviceSubnet}; run \`${clusterCommand(inst, 'down')}\` first to change them`);
  }
  writeSettings(wanted, dir);

  if (!(await dockerAnswers())) {
    log('starting dockerd');
    startDaemon(dir, DOCKERD);
    await pollUntil('dockerd to answer `docker info`', 60_000, dockerAnswers);
  }
  await ensureImages(log);
  await setupNodeNetns(wanted);
  await installGuardRoutes(wanted);

  // The apiserver keeps everything in memory: a new one means the node daemons must start over too.
  if (!apiRuns) {
    for (const spec of [specs.kubelet, specs.agent]) await stopDaemon(dir, spec);
    for (const f of ['apiserver.ready', 'kubelet.ready', 'node-agent.ready']) fs.rmSync(path.join(dir, f), { force: true });
    log('starting the API server');
    const apiPid = startDaemon(dir, specs.apiserver);
    await pollUntil(`the API server (see ${paths.logFile('apiserver')})`, 60_000, async () =>
      !daemonRunning(apiPid) ? Promise.reject(new Error(`the API server exited; see ${paths.logFile('apiserver')}`))
        : fs.existsSync(path.join(dir, 'apiserver.ready')) ? true : undefined);
  }
  const started = new Map<string, number>();
  for (const spec of [specs.agent, specs.kubelet]) {
    const running = daemonPid(dir, spec);
    if (running === undefined) {
      log(`starting the ${spec.name}`);
      fs.rmSync(path.join(dir, `${spec.name}.ready`), { force: true });
      started.set(spec.name, startDaemon(dir, spec));
    } else started.set(spec.name, running);
  }
  const client = KubeClient.fromStateDir(dir, 'tcp');
  for (const spec of [specs.agent, specs.kubelet]) {
    await pollUntil(`the ${spec.name} (see ${paths.logFile(spec.name)})`, 60_000, async () => {
      if (!daemonRunning(started.get(spec.name)!)) throw new Error(`the ${spec.name} exited; see ${paths.logFile(spec.name)}`);
      return fs.existsSync(path.join(dir, `${spec.name}.ready`)) ? true : undefined;
    });
  }
  await pollUntil(`node ${inst.nodeName} to be Ready`, 60_000, () => nodeReady(client));
  if (!hostAccess) return [paths.kubeconfig];
  return [paths.kubeconfig, await setupHostAccess(dir, DIST, log)];
}

/** `down --host-access`: back to the plain topology, the cluster kept running. */
export async function hostAccessDown(dir: string, log: (line: string) => void): Promise<void> {
  const inst = currentInstance();
  if (inst.name !== '') throw new Error(`the host-access topology is the default instance's only: instance ${inst.name} has none to take down (drop --host-access)`);
  const errors = await teardownHostAccess(dir, DIST, log, true);
  if (errors.length) throw new Error(`down --host-access left some things behind:\n${errors.join('\n')}`);
}

/** Removes every container, namespace, route and process `up` made; throws listing what it could not. */
export async function clusterDown(dir: string, log: (line: string) => void): Promise<void> {
  const settings = readSettings(dir);
  const specs = daemons(dir, settings);
  const inst = currentInstance();
  // tp-ws is the default instance's: a numbered instance's `down` leaves it alone.
  const errors: string[] = inst.name === '' ? await teardownHostAccess(dir, DIST, log, false) : [];
  for (const spec of [specs.kubelet, specs.agent, specs.apiserver]) if (await stopDaemon(dir, spec)) log(`stopped the ${spec.name}`);
  if (await dockerAnswers()) {
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=${inst.dockerLabel}=1`])).split('\n').filter(Boolean);
    if (ids.length) {
      const r = await tryRun('docker', ['rm', '-f', '-v', ...ids]);
      if (r.exitCode !== 0) errors.push(r.stderr.trim());
      log(`removed ${ids.length} containers`);
    }
  }
  const others = await otherInstancesUp(inst);
  errors.push(...(await teardownNodeNetwork(settings, guardedBy(others))));
  const heir = handOverDockerd(dir, others);
  if (heir) log(`left dockerd running for instance ${heir.inst.name || '1'} (its \`down\` stops it)`);
  else if (await stopDaemon(dir, DOCKERD, 15_000)) log('stopped dockerd');
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.endsWith('.log')) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  if (errors.length) throw new Error(`down left some things behind:\n${errors.join('\n')}`);
}

export async function clusterStatus(dir: string): Promise<string[]> {
  const settings = readSettings(dir);
  const specs = daemons(dir, settings);
  const lines: string[] = [];
  const docker = await dockerAnswers();
  const ours = daemonPid(dir, DOCKERD);
  lines.push(`dockerd: ${docker ? `running${ours ? ` (started by up, pid ${ours})` : ''}` : 'not running'}`);
  for (const spec of Object.values(specs)) {
    const pid = daemonPid(dir, spec);
    lines.push(`${spec.name}: ${pid ? `running (pid ${pid}, log ${statePaths(dir).logFile(spec.name)})` : 'not running'}`);
  }
  const inst = currentInstance();
  lines.push(`netns ${inst.netns}: ${(await netnsExists()) ? 'present' : 'absent'}`);
  lines.push(`guard routes: ${(await guardRoutesPresent(settings)) ? 'installed' : 'missing'}`);
  if (inst.name === '') lines.push(await hostAccessStatus(dir, DIST));
  lines.push(`subnets: pods ${settings.podSubnet}, services ${settings.serviceSubnet}`);
  if (docker) {
    const names = (await run('docker', ['ps', '--filter', `label=${inst.dockerLabel}=1`, '--format', '{{.Names}}'])).split('\n').filter(Boolean);
    lines.push(`containers: ${names.length} running (${names.filter((n) => n.endsWith('_POD')).length} pods)`);
  }
  if (daemonPid(dir, specs.apiserver)) {
    lines.push(`node ${inst.nodeName}: ${(await nodeReady(KubeClient.fromStateDir(dir, 'tcp'))) ? 'Ready' : 'not Ready'}`);
    lines.push(`kubeconfig: ${statePaths(dir).kubeconfig}`);
    if (fs.existsSync(statePaths(dir).hostAccessKubeconfig)) lines.push(`kubeconfig (inside tp-ws): ${statePaths(dir).hostAccessKubeconfig}`);
  }
  lines.push(instancesLine(await instancesUp()));
  return lines;
}
