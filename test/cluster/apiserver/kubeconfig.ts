// The admin bearer token (DIR/token) and the kubeconfig (DIR/kubeconfig, context tp-local).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';

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

export function kubeconfigText(server: string, caCert: string, token: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tp-local', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: 'tp-admin', user: { token } }],
    contexts: [{ name: 'tp-local', context: { cluster: 'tp-local', user: 'tp-admin', namespace: 'default' } }],
    'current-context': 'tp-local',
    preferences: {},
  });
}

export async function writeKubeconfig(dir: string, server: string, caCert: string, token: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  await writeFile(path, kubeconfigText(server, caCert, token), { mode: 0o600 });
  return path;
}
