// The proxy operations by kind: which this release has, and the one for a session's choice.
import type { DeploymentChoice } from '../../config/session-options.js';
import { UnsupportedError } from '../../errors.js';
import type { ClusterTarget } from '../target.js';
import { authorizedKeyRepairer, ExistingDeploymentOperation } from './existing-deployment.js';
import { NewDeploymentOperation, sessionObjectsRepairer } from './new-deployment.js';
import type { ProxyOperation } from './operation.js';

export type { OperationContext, ProxyOperation, ProxyPod } from './operation.js';
export { NewDeploymentOperation, SESSION_OBJECTS, sessionObjectsRepairer, type SessionObjectsEntry } from './new-deployment.js';
export { AUTHORIZED_KEY, authorizedKeyRepairer, ExistingDeploymentOperation, type AuthorizedKeyEntry } from './existing-deployment.js';

const FLAG: Record<DeploymentChoice['kind'], string> = { new: '--new-deployment', swap: '--swap-deployment', existing: '--deployment' };

/** Why this release cannot carry out the choice (asked before anything is changed), or null. */
export function operationUnavailable(choice: DeploymentChoice): string | null {
  return choice.kind !== 'swap' ? null : `${FLAG[choice.kind]} is not available in this release yet; use --new-deployment`;
}

export function proxyOperation(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>, choice: DeploymentChoice): ProxyOperation {
  const unavailable = operationUnavailable(choice);
  if (unavailable) throw new UnsupportedError(unavailable);
  if (choice.kind === 'existing') return new ExistingDeploymentOperation(target, choice.name);
  return new NewDeploymentOperation(target, choice.name);
}

/** The repair phase of every operation, bound to this cluster. */
export function operationRepairers(target: Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>) {
  return [sessionObjectsRepairer(target), authorizedKeyRepairer(target)];
}
