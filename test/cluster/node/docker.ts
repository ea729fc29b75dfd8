// The Docker side of the kubelet: container names (contract 6), inspect and removal.
import { currentInstance } from '../instance.js';
import { run, tryRun } from './run.js';

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
  const r = await tryRun('docker', ['inspect', '--type', 'container', ...names]);
  // With some names missing docker exits 1 but still prints the others.
  const raw = r.stdout.trim() ? (JSON.parse(r.stdout) as RawInspect[]) : [];
  for (const c of raw) {
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

export async function imagePresent(image: string): Promise<string | undefined> {
  const r = await tryRun('docker', ['image', 'inspect', '-f', '{{.Id}}', image]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function removeContainers(names: readonly string[]): Promise<void> {
  if (names.length > 0) await tryRun('docker', ['rm', '-f', '-v', ...names]);
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
