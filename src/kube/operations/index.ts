// The proxy operations by kind: which this release has, and the one for a session's choice.
import type { DeploymentChoice } from '../../config/session-options.js';
import { UnsupportedError } from '../../errors.js';
import type { ClusterTarget } from '../target.js';
import { NewDeploymentOperation, sessionObjectsRepairer } from './new-deployment.js';
import type { ProxyOperation } from './operation.js';
import { SwapDeploymentOperation, swappedDeploymentRepairer } from './swap-deployment.js';

export type { OperationContext, ProxyOperation, ProxyPod } from './operation.js';
export { SwapDeploymentOperation, SWAPPED_DEPLOYMENT, swappedDeploymentRepairer, type SwappedDeploymentEntry } from './swap-deployment.js';
export { NewDeploymentOperation, SESSION_OBJECTS, sessionObjectsRepairer, type SessionObjectsEntry } from './new-deployment.js';

const FLAG: Record<DeploymentChoice['kind'], string> = { new: '--new-deployment', swap: '--swap-deployment', existing: '--deployment' };

/** Why this release cannot carry out the choice (asked before anything is changed), or null. */
export function operationUnavailable(choice: DeploymentChoice): string | null {
  return choice.kind === 'new' || choice.kind === 'swap' ? null : `${FLAG[choice.kind]} is not available in this release yet; use --new-deployment`;
}

export interface OperationSettings {
  /** timeouts.swapLease: how long a swap's Lease lasts unrenewed. */
  swapLeaseMs: number;
}

export function proxyOperation(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>, choice: DeploymentChoice, settings: OperationSettings): ProxyOperation {
  const unavailable = operationUnavailable(choice);
  if (unavailable) throw new UnsupportedError(unavailable);
  if (choice.kind === 'swap') return new SwapDeploymentOperation(target, choice.name, choice.container, settings.swapLeaseMs);
  return new NewDeploymentOperation(target, choice.name);
}

/** The repair phase of every operation, bound to this cluster. */
export function operationRepairers(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>) {
  return [sessionObjectsRepairer(target), swappedDeploymentRepairer(target)];
}
