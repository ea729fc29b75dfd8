// Swaps whose session is gone, found from the cluster alone (so any workstation can repair them): a
// Deployment carrying a swap record whose session's Lease expired, or is gone, is restored and its copy
// and Lease deleted. A Lease that looks expired is watched for one renewal period first, so that a
// live session on a workstation whose clock lags is never mistaken for a dead one.
import type { V1Lease } from '@kubernetes/client-node';

import { apiFailure } from '../api-errors.js';
import { apisFor } from '../clients.js';
import { deleteSessionObjects } from '../cleanup.js';
import { pause } from '../../deadline.js';
import type { ClusterTarget } from '../target.js';
import { deleteLease, leaseState, readLease, type LeaseState } from './lease.js';
import { restoreSwap } from './record.js';
import { readSwapRecord, type SwapRecord } from './spec.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace'>;

export interface SwapRepairReport {
  /** One line per Deployment restored (and its copy and Lease deleted). */
  restored: string[];
  /** One line per Deployment left alone because its session is alive. */
  alive: string[];
}

/** Restores `deployment` from the record of session `record.sessionId`, deletes its copy and Lease; the lines say what was done. */
export async function undoSwap(target: Target, deployment: string, record: Pick<SwapRecord, 'sessionId' | 'lease'>): Promise<string[]> {
  const apis = await apisFor(target);
  const line = await restoreSwap(apis, target.namespace, deployment, record.sessionId);
  await deleteSessionObjects(target, record.sessionId);
  await deleteLease(apis, target.namespace, record.lease);
  return line ? [line] : [];
}

const ago = (s: LeaseState) => (s.renewedSecondsAgo === null ? 'its Lease is gone' : `its Lease was last renewed ${s.renewedSecondsAgo} s ago`);

export async function repairExpiredSwaps(target: Target, log: (line: string) => void, now: () => number = Date.now): Promise<SwapRepairReport> {
  const apis = await apisFor(target);
  const { namespace } = target;
  const report: SwapRepairReport = { restored: [], alive: [] };
  let items;
  try {
    items = (await apis.apps.listNamespacedDeployment({ namespace })).items;
  } catch (err) {
    log(`repair: cannot list the Deployments of namespace ${namespace} to find swaps left behind: ${apiFailure(err).message}`);
    return report;
  }
  const swapped = items.flatMap((d) => {
    const record = readSwapRecord(d);
    return record ? [{ name: d.metadata!.name!, record }] : [];
  });
  const candidates: { name: string; record: SwapRecord; lease: V1Lease | null; state: LeaseState }[] = [];
  for (const s of swapped) {
    const lease = await readLease(apis, namespace, s.record.lease);
    const state = leaseState(lease, now());
    if (state.expired) candidates.push({ ...s, lease, state });
    else report.alive.push(`Deployment ${s.name} is swapped by session ${s.record.sessionId}, which is alive (${ago(state)}): left alone`);
  }
  // One renewal period (a third of the longest duration, and a second more): a live session renews in it.
  const leases = candidates.map((c) => c.lease);
  const waitMs = Math.max(0, ...leases.map((l) => ((l?.spec?.leaseDurationSeconds ?? 0) * 1000) / 3 + 1000));
  if (leases.some((l) => l !== null)) await pause(waitMs);
  for (const c of candidates) {
    const again = await readLease(apis, namespace, c.record.lease);
    if (again && again.metadata?.resourceVersion !== c.state.resourceVersion) {
      report.alive.push(`Deployment ${c.name} is swapped by session ${c.record.sessionId}, whose Lease is still renewed (the clocks disagree): left alone`);
      continue;
    }
    const lines = await undoSwap(target, c.name, c.record);
    const why = `session ${c.record.sessionId}: ${c.state.renewedSecondsAgo === null ? 'its Lease is gone' : `its Lease expired, last renewed ${c.state.renewedSecondsAgo} s ago`}`;
    report.restored.push(...(lines.length ? lines : [`the swap of Deployment ${c.name}`]).map((l) => `${l} (${why})`));
  }
  return report;
}
