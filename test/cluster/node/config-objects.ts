// ConfigMaps and Secrets as the kubelet reads them for env and volumes: a missing one is a
// CreateContainerConfigError unless optional; entries as bytes.
import { ApiError, type KubeClient } from './kube-client.js';
import { type ConfigData, ContainerConfigError } from './pod-types.js';

export async function getConfigObject(client: KubeClient, kind: 'configmaps' | 'secrets', ns: string, name: string, optional?: boolean): Promise<ConfigData | undefined> {
  try {
    return await client.request<ConfigData>('GET', `/api/v1/namespaces/${ns}/${kind}/${name}`);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      if (optional) return undefined;
      throw new ContainerConfigError(`${kind === 'secrets' ? 'secret' : 'configmap'} "${name}" not found`);
    }
    throw err;
  }
}

/** The entries of a ConfigMap or Secret as bytes (secret data is base64). */
export function configEntries(obj: ConfigData, isSecret: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, isSecret ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(obj.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}
