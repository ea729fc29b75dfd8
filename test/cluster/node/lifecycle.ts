// `up`, `down` and `status` of the local test cluster: what runs, in which order, and its undo.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureImages } from '../images/build.js';
import { API_PORT, NODE_NAME, NODE_NETNS, type ClusterSettings, readSettings, statePaths, writeSettings } from '../state.js';
import { type DaemonSpec, daemonPid, startDaemon, stopDaemon } from './daemons.js';
import { guardRoutesPresent, installGuardRoutes, netnsExists, setupNodeNetns, teardownNodeNetwork } from './host-network.js';
import { KubeClient } from './kube-client.js';
import { pollUntil, run, tryRun } from './run.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'); // dist/test/cluster

function daemons(dir: string, settings: ClusterSettings): Record<'apiserver' | 'agent' | 'kubelet', DaemonSpec> {
  const node = process.execPath;
  const entry = (rel: string) => path.join(DIST, rel);
  return {
    apiserver: { name: 'apiserver', marker: 'apiserver/main.js', command: node, args: [entry('apiserver/main.js'), '--state-dir', dir,
      '--port', String(API_PORT), '--service-cidr', settings.serviceSubnet, '--pod-cidr', settings.podSubnet] },
    agent: { name: 'node-agent', marker: 'node/agent.js', command: 'ip', args: ['netns', 'exec', NODE_NETNS, node, entry('node/agent.js'), '--state-dir', dir] },
    kubelet: { name: 'kubelet', marker: 'node/kubelet.js', command: node, args: [entry('node/kubelet.js'), '--state-dir', dir] },
  };
}
const DOCKERD: DaemonSpec = { name: 'dockerd', marker: 'dockerd', command: 'dockerd', args: ['--iptables=false', '--ip-forward=false', '--bridge=none'] };

async function dockerAnswers(): Promise<true | undefined> {
  return (await tryRun('docker', ['info', '--format', '{{.ServerVersion}}'])).exitCode === 0 ? true : undefined;
}

async function nodeReady(client: KubeClient): Promise<true | undefined> {
  try {
    const node = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/api/v1/nodes/${NODE_NAME}`);
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  } catch {
    return undefined;
  }
}

/** Idempotent: starts what does not run, builds what is missing; returns the kubeconfig path. */
export async function clusterUp(dir: string, wanted: ClusterSettings, log: (line: string) => void): Promise<string> {
  const paths = statePaths(dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const current = readSettings(dir);
  const specs = daemons(dir, wanted);
  const apiRuns = daemonPid(dir, specs.apiserver) !== undefined;
  if (apiRuns && (current.podSubnet !== wanted.podSubnet || current.serviceSubnet !== wanted.serviceSubnet)) {
    throw new Error(`the cluster runs with pod subnet ${current.podSubnet} and service subnet ${current.serviceSubnet}; run \`npm run cluster -- down\` first to change them`);
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
    startDaemon(dir, specs.apiserver);
    await pollUntil(`the API server (see ${paths.logFile('apiserver')})`, 60_000, async () =>
      daemonPid(dir, specs.apiserver) === undefined ? Promise.reject(new Error(`the API server exited; see ${paths.logFile('apiserver')}`))
        : fs.existsSync(path.join(dir, 'apiserver.ready')) ? true : undefined);
  }
  for (const spec of [specs.agent, specs.kubelet]) {
    if (daemonPid(dir, spec) === undefined) {
      log(`starting the ${spec.name}`);
      fs.rmSync(path.join(dir, `${spec.name}.ready`), { force: true });
      startDaemon(dir, spec);
    }
  }
  const client = KubeClient.fromStateDir(dir, 'tcp');
  for (const spec of [specs.agent, specs.kubelet]) {
    await pollUntil(`the ${spec.name} (see ${paths.logFile(spec.name)})`, 60_000, async () => {
      if (daemonPid(dir, spec) === undefined) throw new Error(`the ${spec.name} exited; see ${paths.logFile(spec.name)}`);
      return fs.existsSync(path.join(dir, `${spec.name}.ready`)) ? true : undefined;
    });
  }
  await pollUntil(`node ${NODE_NAME} to be Ready`, 60_000, () => nodeReady(client));
  return paths.kubeconfig;
}

/** Removes every container, namespace, route and process `up` made; throws listing what it could not. */
export async function clusterDown(dir: string, log: (line: string) => void): Promise<void> {
  const settings = readSettings(dir);
  const specs = daemons(dir, settings);
  for (const spec of [specs.kubelet, specs.agent, specs.apiserver]) if (await stopDaemon(dir, spec)) log(`stopped the ${spec.name}`);
  const errors: string[] = [];
  if (await dockerAnswers()) {
    const ids = (await run('docker', ['ps', '-aq', '--filter', 'label=tp-cluster=1'])).split('\n').filter(Boolean);
    if (ids.length) {
      const r = await tryRun('docker', ['rm', '-f', '-v', ...ids]);
      if (r.exitCode !== 0) errors.push(r.stderr.trim());
      log(`removed ${ids.length} containers`);
    }
  }
  errors.push(...(await teardownNodeNetwork(settings)));
  if (await stopDaemon(dir, DOCKERD, 15_000)) log('stopped dockerd');
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
  lines.push(`netns ${NODE_NETNS}: ${(await netnsExists()) ? 'present' : 'absent'}`);
  lines.push(`guard routes: ${(await guardRoutesPresent(settings)) ? 'installed' : 'missing'}`);
  lines.push(`subnets: pods ${settings.podSubnet}, services ${settings.serviceSubnet}`);
  if (docker) {
    const names = (await run('docker', ['ps', '--filter', 'label=tp-cluster=1', '--format', '{{.Names}}'])).split('\n').filter(Boolean);
    lines.push(`containers: ${names.length} running (${names.filter((n) => n.endsWith('_POD')).length} pods)`);
  }
  if (daemonPid(dir, specs.apiserver)) {
    lines.push(`node ${NODE_NAME}: ${(await nodeReady(KubeClient.fromStateDir(dir, 'tcp'))) ? 'Ready' : 'not Ready'}`);
    lines.push(`kubeconfig: ${statePaths(dir).kubeconfig}`);
  }
  return lines;
}
