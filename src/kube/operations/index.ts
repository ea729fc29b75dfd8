// The proxy operations by kind (new, swap, existing): the one for a session's choice, and their repairers.
import type { DeploymentChoice } from '../../config/session-options.js';
import type { ClusterTarget } from '../target.js';
import { authorizedKeyRepairer, ExistingDeploymentOperation } from './existing-deployment.js';
import { NewDeploymentOperation, sessionObjectsRepairer } from './new-deployment.js';
import type { ProxyOperation } from './operation.js';
import { proxyViaRelayRepairer } from '../proxy-via-stop.js';
import { SwapDeploymentOperation, swappedDeploymentRepairer } from './swap-deployment.js';

export type { OperationContext, ProxyOperation, ProxyPod, SuccessorWait } from './operation.js';
export { SwapDeploymentOperation, SWAPPED_DEPLOYMENT, swappedDeploymentRepairer, type SwappedDeploymentEntry } from './swap-deployment.js';
export { NewDeploymentOperation, SESSION_OBJECTS, sessionObjectsRepairer, type SessionObjectsEntry } from './new-deployment.js';
export { AUTHORIZED_KEY, authorizedKeyRepairer, ExistingDeploymentOperation, type AuthorizedKeyEntry } from './existing-deployment.js';

export interface OperationSettings {
  /** timeouts.swapLease: how long a swap's Lease lasts unrenewed. */
  swapLeaseMs: number;
}

export function proxyOperation(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>, choice: DeploymentChoice, settings: OperationSettings): ProxyOperation {
  if (choice.kind === 'swap') return new SwapDeploymentOperation(target, choice.name, choice.container, settings.swapLeaseMs);
  if (choice.kind === 'existing') return new ExistingDeploymentOperation(target, choice.name);
  return new NewDeploymentOperation(target, choice.name);
}

/** The repair phase of every operation, bound to this cluster. */
export function operationRepairers(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>) {
  return [sessionObjectsRepairer(target), swappedDeploymentRepairer(target), authorizedKeyRepairer(target), proxyViaRelayRepairer(target)];
}
