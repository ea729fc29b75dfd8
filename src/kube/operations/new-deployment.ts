// `--new-deployment NAME` (and the default name): a Deployment of the proxy image that nothing else
// uses. Its objects carry the label telepresence=<session id>; the journal records that label so that
// a later run deletes them when this session dies without doing so.
import type { Repairer } from '../../changes.js';
import { ClusterError } from '../../errors.js';
import { apiFailure, isNotFound } from '../api-errors.js';
import { apisFor } from '../clients.js';
import { deleteSessionObjects, describeObjects, findLeftovers } from '../cleanup.js';
import { readPodHostKey } from '../host-key.js';
import { deployProxy } from '../proxy-deploy.js';
import { checkProxyName, needsPrivileged, sessionSelector } from '../proxy-spec.js';
import { PROXY_CONTAINER, PROXY_SSH_USER } from '../../protocol/index.js';
import type { ClusterTarget } from '../target.js';
import type { OperationContext, ProxyOperation, ProxyPod } from './operation.js';
import { replaceable } from './successor.js';

type Target = Pick<ClusterTarget, 'kubeConfig' | 'namespace' | 'context'>;

/** The journal entry of the change: everything labelled with the session id in that namespace. */
export interface SessionObjectsEntry {
  context: string;
  namespace: string;
  sessionId: string;
}

export const SESSION_OBJECTS = 'cluster-objects';

export class NewDeploymentOperation implements ProxyOperation {
  constructor(private readonly target: Target, readonly deployment: string) {}

  async check(): Promise<void> {
    checkProxyName(this.deployment);
    const { namespace } = this.target;
    try {
      await (await apisFor(this.target)).apps.readNamespacedDeployment({ name: this.deployment, namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw new ClusterError(`cannot check Deployment "${this.deployment}" in namespace "${namespace}": ${apiFailure(err).message}`);
    }
    throw new ClusterError(`Deployment "${this.deployment}" already exists in namespace "${namespace}": choose another name with --new-deployment, or delete it (kubectl delete deployment ${this.deployment} -n ${namespace})`);
  }

  async apply(ctx: OperationContext): Promise<ProxyPod> {
    const entry = ctx.journal.record<SessionObjectsEntry>(SESSION_OBJECTS, {
      context: this.target.context, namespace: this.target.namespace, sessionId: ctx.sessionId,
    });
    // Registered before the change begins: the undo deletes by label, so it also removes a half-made start.
    ctx.undo.push(`delete the proxy objects of session ${ctx.sessionId}`,
      entry.settleAfter(() => deleteSessionObjects(this.target, ctx.sessionId)));
    const proxy = await deployProxy(this.target, {
      name: this.deployment, image: ctx.image, sessionId: ctx.sessionId, publicKey: ctx.publicKey,
      serviceAccount: ctx.serviceAccount, exposePorts: ctx.exposePorts, env: ctx.podEnv, signal: ctx.signal,
    }, ctx.progress, ctx.readyTimeoutMs);
    const sshUser = needsPrivileged(ctx.exposePorts) ? 'root' : PROXY_SSH_USER;
    // A deleted pod is replaced by the Deployment's controller: the session follows it (its own host key).
    return replaceable(this.target, { podName: proxy.podName, podIp: proxy.podIp, hostKey: proxy.hostKey, sshUser }, {
      deployment: this.deployment, labelSelector: sessionSelector(ctx.sessionId),
      prepare: async (pod) => {
        const podName = pod.metadata!.name!;
        const hostKey = await readPodHostKey(this.target, { namespace: this.target.namespace, pod: podName, container: PROXY_CONTAINER });
        return { podName, podIp: pod.status!.podIP!, hostKey, sshUser };
      },
    });
  }
}

/** Deletes what a dead session labelled in this cluster; entries of another context are kept for a run there. */
export function sessionObjectsRepairer(target: Target): Repairer<SessionObjectsEntry> {
  return {
    kind: SESSION_OBJECTS,
    where: 'cluster',
    async repair(data, session) {
      if (data.context !== target.context) return null;
      const where = { ...target, namespace: data.namespace };
      const left = (await findLeftovers(where)).filter((o) => o.sessionId === data.sessionId);
      if (left.length === 0) return [];
      await deleteSessionObjects(where, data.sessionId);
      return [`removed what an earlier session (pid ${session.pid}, started ${session.started}) left in namespace ${data.namespace}: ${describeObjects(left)}`];
    },
  };
}
