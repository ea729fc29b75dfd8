// Bearer-token authentication: the admin token from DIR/token and the service-account tokens this
// server issued (TokenRequest), each mapped to the identity it stands for; and the RBAC rules: a service
// account's, and users that tests limit to some namespaces.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Identity {
  user: string;
  namespace?: string;
  serviceAccount?: string;
  /** A user a test allowed into these namespaces only: anything at the cluster scope or elsewhere is forbidden. */
  namespaces?: readonly string[];
}

export class Authenticator {
  private readonly tokens = new Map<string, Identity>();

  /** `issued`: the tokens an earlier instance issued (issuedTokens()), so pods' tokens stay valid across a restart. */
  constructor(adminToken: string, issued: readonly (readonly [string, Identity])[] = []) {
    for (const [token, identity] of issued) this.tokens.set(token, identity);
    this.tokens.set(adminToken, { user: 'tp-admin' });
  }

  /** Every token this server issued (not the admin token, which DIR/token holds). */
  issuedTokens(): [string, Identity][] {
    return [...this.tokens].filter(([, identity]) => identity.user !== 'tp-admin');
  }

  /** Issues a token for a service account; every token this server issues stays valid while it runs (and after a restart). */
  issueServiceAccountToken(namespace: string, name: string): string {
    const token = `tpsa.${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { user: `system:serviceaccount:${namespace}:${name}`, namespace, serviceAccount: name });
    return token;
  }

  /** A token for a user who may do anything in `namespaces` and nothing else (a namespace admin's RoleBindings). */
  issueNamespacedUserToken(user: string, namespaces: readonly string[]): string {
    const token = `tpuser.${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { user, namespaces: [...namespaces] });
    return token;
  }

  authenticate(req: IncomingMessage): Identity | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return undefined;
    return this.tokens.get(m[1]);
  }
}

export interface AccessRequest {
  method: string;
  group: string;
  resource: string;
  /** Undefined: the cluster scope (a cluster-scoped kind, or a namespaced kind across all namespaces). */
  namespace?: string;
  name?: string;
  watch: boolean;
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/**
 * A service account has the default permissions of a real cluster without grants, so it may not list or
 * watch the namespaces of the cluster (what `kubectl get ns` with a pod's token meets). A namespaced user
 * may do anything in its namespaces and nothing else. Everything else is allowed. Returns the Forbidden
 * message (the real API server's), or undefined.
 */
export function forbidden(identity: Identity, req: AccessRequest): string | undefined {
  const verb = req.method === 'GET' ? (req.name !== undefined ? 'get' : req.watch ? 'watch' : 'list') : VERBS[req.method] ?? req.method.toLowerCase();
  if (identity.namespaces !== undefined) {
    if (req.namespace !== undefined && identity.namespaces.includes(req.namespace)) return undefined;
    const where = req.namespace === undefined ? 'at the cluster scope' : `in the namespace "${req.namespace}"`;
    const what = req.name !== undefined ? `${req.resource} "${req.name}"` : req.resource;
    return `${what} is forbidden: User "${identity.user}" cannot ${verb} resource "${req.resource}" in API group "${req.group}" ${where}`;
  }
  if (identity.serviceAccount === undefined || req.resource !== 'namespaces' || req.name !== undefined || req.method !== 'GET') return undefined;
  return `namespaces is forbidden: User "${identity.user}" cannot ${verb} resource "namespaces" in API group "" at the cluster scope`;
}
