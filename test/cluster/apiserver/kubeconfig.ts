// The admin bearer token (DIR/token) and the kubeconfig (DIR/kubeconfig, context tp-local or an instance's tp-local-N).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';

import { type ClusterInstance, currentInstance } from '../instance.js';

export async function ensureToken(dir: string): Promise<string> {
  const path = join(dir, 'token');
  if (existsSync(path)) {
    const token = (await readFile(path, 'utf8')).trim();
    if (token) return token;
  }
  const token = randomBytes(24).toString('hex');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Context and cluster `tp-local`, user `tp-admin` (a numbered instance's: tp-local-N, tp-admin-N). */
export function kubeconfigText(server: string, caCert: string, token: string, names: Pick<ClusterInstance, 'context' | 'user'> = currentInstance()): string {
  const { context, user } = names;
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: context, context: { cluster: context, user, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  });
}

export async function writeKubeconfig(dir: string, server: string, caCert: string, token: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  const text = kubeconfigText(server, caCert, token);
  // A restarted API server finds its own file: leave it, so no kubectl reads it half-written meanwhile.
  if (!existsSync(path) || (await readFile(path, 'utf8')) !== text) await writeFile(path, text, { mode: 0o600 });
  return path;
}
