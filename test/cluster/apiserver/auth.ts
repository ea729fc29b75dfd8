// Bearer-token authentication: the admin token from DIR/token and the service-account tokens this
// server issued (TokenRequest), each mapped to the identity it stands for.
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
