// Bearer-token authentication: the admin token from DIR/token and the service-account tokens this
// server issued (TokenRequest), each mapped to the identity it stands for; and the one RBAC rule.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Identity {
  user: string;
  namespace?: string;
  serviceAccount?: string;
}

export class Authenticator {
  private readonly tokens = new Map<string, Identity>();

  constructor(adminToken: string) {
    this.tokens.set(adminToken, { user: 'tp-admin' });
  }

  /** Issues a token for a service account; every token this server issues stays valid while it runs. */
  issueServiceAccountToken(namespace: string, name: string): string {
    const token = `tpsa.${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { user: `system:serviceaccount:${namespace}:${name}`, namespace, serviceAccount: name });
    return token;
  }

  authenticate(req: IncomingMessage): Identity | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return undefined;
    return this.tokens.get(m[1]);
  }
}

/**
 * The only authorization rule: a service account has the default permissions of a real cluster without
 * grants, so it may not list or watch the namespaces of the cluster (what `kubectl get ns` with a
 * pod's token meets). Everything else is allowed. Returns the Forbidden message, or undefined.
 */
export function forbidden(identity: Identity, method: string, resource: string, name: string | undefined, watch: boolean): string | undefined {
  if (identity.serviceAccount === undefined || resource !== 'namespaces' || name !== undefined || method !== 'GET') return undefined;
  return `namespaces is forbidden: User "${identity.user}" cannot ${watch ? 'watch' : 'list'} resource "namespaces" in API group "" at the cluster scope`;
}
