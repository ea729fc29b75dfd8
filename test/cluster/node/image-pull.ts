// imagePullPolicy on a node with a local image store and no registry: Never runs a present image and
// reports ErrImageNeverPull for a missing one; IfNotPresent runs a present image and "pulls" a missing
// one; Always "pulls" every time. A pull never leaves this machine: it fails as on a node that cannot
// reach its registry (ErrImagePull, then ImagePullBackOff with the kubelet's 10 s .. 5 min back-off).
import type { Container } from './pod-types.js';
import { inspectImage } from './docker.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type PullResult = { ok: true } | { ok: false; reason: string; message: string; retryMs: number };

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
/** How long ErrImagePull shows before the next sync reports the back-off (the kubelet requeues after an error). */
const REQUEUE_MS = 1_000;

/** The registry a reference is pulled from, and the reference fully spelled (docker.io/library/...). */
export function registryOf(image: string): { host: string; reference: string } {
  const first = image.split('/')[0]!;
  const hasHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'docker.io';
  let rest = hasHost ? image.slice(first.length + 1) : image;
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  const last = rest.split('/').pop()!;
  if (!last.includes(':') && !last.includes('@')) rest = `${rest}:latest`;
  return { host: host === 'docker.io' ? 'registry-1.docker.io' : host, reference: `${host}/${rest}` };
}

/** The runtime's error when the registry cannot be reached (cri-dockerd over a Docker engine without DNS for it). */
export function unreachableRegistryMessage(image: string): string {
  const { host } = registryOf(image);
  const hostname = host.replace(/:\d+$/, '');
  const dial = /^\d+\.\d+\.\d+\.\d+$/.test(hostname)
    ? `dial tcp ${host.includes(':') ? host : `${host}:443`}: connect: network is unreachable`
    : `dial tcp: lookup ${hostname}: no such host`;
  return `rpc error: code = Unknown desc = Error response from daemon: Get "https://${host}/v2/": ${dial}`;
}

/** Roughly docker's reference grammar: lowercase path components, an optional tag and digest. */
export function validImageName(image: string): boolean {
  return /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/.test(image);
}

interface PullState {
  failures: number;
  backoffUntil: number;
  lastFailureAt: number;
}

/** Per-container pull attempts of one pod (the kubelet's back-off is per image and pod). */
export class ImagePulls {
  private readonly state = new Map<string, PullState>();

  /** The decision for one container; `present` is whether the node has the image. Pure apart from its state. */
  decide(container: string, image: string, policy: PullPolicy, present: boolean, now = Date.now()): PullResult {
    if (!validImageName(image)) {
      return { ok: false, reason: 'InvalidImageName', message: `Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: invalid reference format`, retryMs: 10_000 };
    }
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) return { ok: true };
      return { ok: false, reason: 'ErrImageNeverPull', message: `Container image ${JSON.stringify(image)} is not present with pull policy of Never`, retryMs: 5_000 };
    }
    const key = `${container}|${image}`;
    const s = this.state.get(key) ?? { failures: 0, backoffUntil: 0, lastFailureAt: 0 };
    this.state.set(key, s);
    if (now < s.backoffUntil && now >= s.lastFailureAt + REQUEUE_MS) {
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image ${JSON.stringify(image)}`, retryMs: s.backoffUntil - now };
    }
    if (now < s.backoffUntil) {
      return { ok: false, reason: 'ErrImagePull', message: unreachableRegistryMessage(image), retryMs: s.lastFailureAt + REQUEUE_MS - now };
    }
    // A pull attempt: there is no registry to reach.
    s.failures++;
    s.lastFailureAt = now;
    s.backoffUntil = now + Math.min(BACKOFF_START_MS * 2 ** (s.failures - 1), BACKOFF_MAX_MS);
    return { ok: false, reason: 'ErrImagePull', message: unreachableRegistryMessage(image), retryMs: REQUEUE_MS };
  }
}

/** Whether container `c` may start now: the image's USER when it may, else the waiting reason and when to look again. */
export async function imageForStart(pulls: ImagePulls, c: Container): Promise<{ ok: true; user: string } | Extract<PullResult, { ok: false }>> {
  const local = await inspectImage(c.image);
  const decision = pulls.decide(c.name, c.image, c.imagePullPolicy ?? 'IfNotPresent', local !== undefined);
  return decision.ok ? { ok: true, user: local!.user } : decision;
}
