// The Lease (coordination.k8s.io) a swapping session renews while it lives: what lets any run, on any
// workstation, tell a swap whose session died from one still in use. Renewed every third of its duration.
import type { V1Lease } from '@kubernetes/client-node';

import { ClusterError } from '../../errors.js';
import { apiFailure, nullIfNotFound } from '../api-errors.js';
import type { KubeApis } from '../clients.js';
import { loadClientNode } from '../client-node.js';
import { SESSION_LABEL } from '../proxy-spec.js';

export interface LeaseState {
  /** The Lease is gone, or it was not renewed within its duration. */
  expired: boolean;
  /** For the messages: how long ago it was last renewed, in whole seconds (null: no Lease). */
  renewedSecondsAgo: number | null;
  resourceVersion?: string;
}

/** Pure: a Lease is live while `now` is within leaseDurationSeconds of its renewTime. */
export function leaseState(lease: V1Lease | null, now: number): LeaseState {
  if (!lease) return { expired: true, renewedSecondsAgo: null };
  const renewed = new Date(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? 0).getTime();
  const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
  const ago = Math.max(0, Math.round((now - renewed) / 1000));
  return { expired: !(renewed > 0) || now > renewed + duration, renewedSecondsAgo: ago, resourceVersion: lease.metadata?.resourceVersion };
}

export function readLease(apis: KubeApis, namespace: string, name: string): Promise<V1Lease | null> {
  return nullIfNotFound(apis.coordination.readNamespacedLease({ name, namespace }));
}

export async function deleteLease(apis: KubeApis, namespace: string, name: string): Promise<void> {
  await nullIfNotFound(apis.coordination.deleteNamespacedLease({ name, namespace }));
}

export interface HeldLease {
  readonly name: string;
  readonly durationSeconds: number;
  /** Stops renewing (the Lease stays until deleted). */
  stop(): void;
}

/**
 * Creates the Lease (holder: the session id) and renews it every third of its duration until stop().
 * A renewal that fails is logged; one that finds the Lease gone is told once by `lost`.
 */
export async function holdLease(apis: KubeApis, namespace: string, sessionId: string, name: string, durationMs: number, log: (line: string) => void, lost: (line: string) => void): Promise<HeldLease> {
  const { V1MicroTime } = await loadClientNode();
  const durationSeconds = Math.max(1, Math.ceil(durationMs / 1000));
  const now = new V1MicroTime();
  let lease: V1Lease;
  try {
    lease = await apis.coordination.createNamespacedLease({
      namespace,
      body: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name, labels: { [SESSION_LABEL]: sessionId } },
        spec: { holderIdentity: sessionId, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now },
      },
    });
  } catch (err) {
    throw new ClusterError(`cannot create the session's Lease ${name} in namespace "${namespace}" (it tells other runs that this swap is in use): ${apiFailure(err).message}`);
  }
  let stopped = false;
  let told = false;
  const renew = async () => {
    try {
      lease = await apis.coordination.replaceNamespacedLease({
        name, namespace, body: { ...lease, spec: { ...lease.spec, renewTime: new V1MicroTime() } },
      });
    } catch (err) {
      if (stopped) return;
      const f = apiFailure(err);
      if (f.code === 404 && !told) {
        told = true;
        lost(`Warning: the Lease ${name} of this session was deleted in namespace ${namespace}: another run may restore the swapped Deployment`);
      }
      log(`lease: renewing ${name} failed: ${f.message}`);
      // A conflict means our copy is stale: read it again for the next renewal.
      if (f.code === 409) lease = (await readLease(apis, namespace, name).catch(() => null)) ?? lease;
    }
  };
  const timer = setInterval(() => void renew(), Math.max(250, (durationSeconds * 1000) / 3));
  timer.unref();
  return { name, durationSeconds, stop: () => { stopped = true; clearInterval(timer); } };
}
