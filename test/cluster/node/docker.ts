// The Docker side of the kubelet: container names (contract 6), inspect and removal. Inspect and removal,
// which every pod sync does, go to the Engine API on its unix socket (as a real kubelet talks to its runtime
// over a socket): a `docker` CLI process costs 25-40 ms a call on a 2-core machine, the request ~1 ms. Where
// the engine is not on a local socket ($DOCKER_HOST tcp://...), the CLI does it.
import http from 'node:http';

import { engineAddress } from '../../../methods/container/docker-engine.js';
import { currentInstance } from '../instance.js';
import { run, tryRun } from './run.js';

/** The socket the docker CLI talks to: $DOCKER_HOST's unix:// path, else the default; null for another transport. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string | null {
  const address = engineAddress(env);
  return address.startsWith('unix://') ? address.slice('unix://'.length) : null;
}

/** One Engine API request; its status and body (the engine's own error message for a 4xx/5xx). */
function engine(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: { host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const containerPath = (name: string) => `/containers/${encodeURIComponent(name)}`;

/** KEY=1 on every pod container of this process's instance (`tp-cluster=1` for the default one). */
export function clusterLabel(): string {
  return `${currentInstance().dockerLabel}=1`;
}
export const LABEL_UID = 'tp-pod-uid';
export const LABEL_IP = 'tp-pod-ip';

export function containerName(namespace: string, pod: string, container: string): string {
  return `${currentInstance().containerPrefix}_${namespace}_${pod}_${container}`;
}
export function pauseName(namespace: string, pod: string): string {
  return containerName(namespace, pod, 'POD');
}

export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  status: string; // created, running, exited, ...
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  pid: number;
  imageId: string;
  labels: Record<string, string>;
}

interface RawInspect {
  Id: string;
  Name: string;
  Image: string;
  State: { Status: string; Running: boolean; ExitCode: number; OOMKilled: boolean; StartedAt: string; FinishedAt: string; Pid: number };
  Config: { Labels: Record<string, string> | null };
}

/** Inspects the named containers; absent ones are missing from the map. */
export async function inspectContainers(names: readonly string[]): Promise<Map<string, ContainerInfo>> {
  const out = new Map<string, ContainerInfo>();
  if (names.length === 0) return out;
  for (const c of await rawInspect(names)) {
    const name = c.Name.replace(/^\//, '');
    out.set(name, {
      id: c.Id,
      name,
      running: c.State.Running,
      status: c.State.Status,
      exitCode: c.State.ExitCode,
      oomKilled: c.State.OOMKilled,
      startedAt: c.State.StartedAt.replace(/\.\d+Z$/, 'Z'),
      finishedAt: c.State.FinishedAt.replace(/\.\d+Z$/, 'Z'),
      pid: c.State.Pid,
      imageId: c.Image,
      labels: c.Config.Labels ?? {},
    });
  }
  return out;
}

/** The engine's inspect objects of the names that exist (the same objects `docker inspect` prints). */
async function rawInspect(names: readonly string[]): Promise<RawInspect[]> {
  const socket = engineSocket();
  if (socket === null) {
    const r = await tryRun('docker', ['inspect', '--type', 'container', ...names]);
    // With some names missing docker exits 1 but still prints the others.
    return r.stdout.trim() ? (JSON.parse(r.stdout) as RawInspect[]) : [];
  }
  const answers = await Promise.all(names.map((name) => engine(socket, 'GET', `${containerPath(name)}/json`)));
  return answers.flatMap((a, i) => {
    if (a.status === 200) return [JSON.parse(a.body) as RawInspect];
    if (a.status === 404) return [];
    throw new Error(`docker engine: GET ${containerPath(names[i]!)}/json answered ${a.status}: ${a.body.trim()}`);
  });
}

/** A local image's id and USER, or undefined when the engine does not have it (every container start asks). */
export async function inspectImage(image: string): Promise<{ id: string; user: string } | undefined> {
  const socket = engineSocket();
  if (socket === null) {
    const r = await tryRun('docker', ['image', 'inspect', '-f', '{{.Id}}|{{.Config.User}}', image]);
    if (r.exitCode !== 0) return undefined;
    const [id, user] = r.stdout.trim().split('|');
    return { id: id ?? '', user: user ?? '' };
  }
  // The engine's route takes the reference as it is (registry/name:tag, name@sha256:...), slashes and all; a
  // reference has no character a path must escape, and one that does is no image of this node.
  if (!/^[\w.\-/:@]+$/.test(image)) return undefined;
  const a = await engine(socket, 'GET', `/images/${image}/json`);
  if (a.status === 404) return undefined;
  if (a.status !== 200) throw new Error(`docker engine: GET /images/${image}/json answered ${a.status}: ${a.body.trim()}`);
  const raw = JSON.parse(a.body) as { Id: string; Config?: { User?: string } | null };
  return { id: raw.Id, user: raw.Config?.User ?? '' };
}

/** Removes the named containers (running ones are killed) with their anonymous volumes; absent names are fine. */
export async function removeContainers(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const socket = engineSocket();
  if (socket === null) {
    await tryRun('docker', ['rm', '-f', '-v', ...names]);
    return;
  }
  // As `docker rm -f` does: each name on its own, a failure of one does not stop the others.
  await Promise.all(names.map((name) => engine(socket, 'DELETE', `${containerPath(name)}?force=1&v=1`).catch(() => undefined)));
}

/** Every pod container of the cluster, with its labels (images carry the label too, but are not listed). */
export async function clusterContainers(): Promise<{ name: string; uid: string; ip: string; restartCount: number }[]> {
  const out = await run('docker', ['ps', '-a', '--filter', `label=${clusterLabel()}`, '--format',
    `{{.Names}}|{{.Label "${LABEL_UID}"}}|{{.Label "${LABEL_IP}"}}|{{.Label "tp-restart-count"}}`]);
  return out.split('\n').filter(Boolean).map((line) => {
    const [name, uid, ip, restarts] = line.split('|');
    return { name: name!, uid: uid ?? '', ip: ip ?? '', restartCount: Number(restarts) || 0 };
  });
}
