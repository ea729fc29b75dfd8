// Pod info for the launcher (Telepresence 1's podinfo.py): environment, hostname, /etc/hosts,
// resolv.conf and the mount points worth mirroring, as one JSON object. The filters are pure;
// collectPodInfo() reads the files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POD_ENV, POD_PROTOCOL_VERSION, type PodInfo } from '../../src/protocol/index.js';
import { SETTING_VARIABLES } from './settings.js';

export type { PodInfo };

/**
 * Variables that describe the pod's shell rather than the app (Telepresence 1's list), what the
 * image's entrypoint shell adds (PWD, SHLVL, _), and the pod program's own settings.
 */
export const IGNORED_ENV = ['HOME', 'PATH', 'HOSTNAME', 'PWD', 'SHLVL', '_', ...SETTING_VARIABLES];

/** Mount points that belong to the container runtime, not to the app (with their sub-mounts). */
const IGNORED_TREES = ['/sys', '/proc', '/dev'];
const IGNORED_EXACT = ['/', '/etc/hostname', '/etc/resolv.conf', '/etc/hosts'];

export function filterEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !IGNORED_ENV.includes(k)) out[k] = v;
  return out;
}

export function keepMountPoint(mountPoint: string): boolean {
  if (IGNORED_EXACT.includes(mountPoint)) return false;
  return !IGNORED_TREES.some((t) => mountPoint === t || mountPoint.startsWith(`${t}/`));
}

/** The kernel escapes space, tab, newline and backslash in mountinfo as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points of /proc/self/mountinfo (field 5), in order, each once. */
export function parseMountInfo(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    seen.add(unescapeOctal(fields[4]));
  }
  return [...seen];
}

export function podMountPoints(mountinfo: string): string[] {
  return parseMountInfo(mountinfo).filter(keepMountPoint);
}

/** Where `serve` keeps the container's environment: SSH sessions do not inherit it. */
export function podEnvFile(env: Record<string, string | undefined> = process.env): string {
  return path.join(env[POD_ENV.stateDir] ?? path.join(os.homedir(), '.telepresence-pod'), 'env.json');
}

/** Saves the environment the container started with, readable only by the pod's user. */
export function savePodEnv(env: Record<string, string | undefined> = process.env): string {
  const file = podEnvFile(env);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(filterEnv(env)), { mode: 0o600 });
  // Run as root (the privileged variant), the file goes to the directory's owner, so that a
  // session of the unprivileged user can read it too.
  const owner = fs.statSync(dir);
  if (process.getuid?.() === 0 && owner.uid !== 0) fs.chownSync(file, owner.uid, owner.gid);
  return file;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export function collectPodInfo(env: Record<string, string | undefined> = process.env): PodInfo {
  const saved = readOr(podEnvFile(env), '');
  return {
    protocolVersion: POD_PROTOCOL_VERSION,
    env: saved === '' ? filterEnv(env) : (JSON.parse(saved) as Record<string, string>),
    hostname: os.hostname(),
    hosts: readOr('/etc/hosts', ''),
    resolv: readOr('/etc/resolv.conf', ''),
    mountpoints: podMountPoints(readOr('/proc/self/mountinfo', '')),
  };
}
