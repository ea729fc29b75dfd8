// A pod's files on the host, under DIR/pods/<uid>: resolv.conf, hosts, the volumes (emptyDir,
// configMap, secret) and the service-account token, all bind-mounted into the containers.
import fs from 'node:fs';
import path from 'node:path';

import { clusterAddresses, type ClusterSettings } from '../state.js';
import { ApiError, type KubeClient } from './kube-client.js';
import { type ConfigData, ContainerConfigError, type KeyToPath, type Pod, SA_MOUNT } from './pod-types.js';

export function podDir(podsDir: string, uid: string): string {
  return path.join(podsDir, uid);
}

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

function writeKeys(dir: string, entries: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, what: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const chosen: KeyToPath[] = items ?? [...entries.keys()].map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const value = entries.get(item.key);
    if (value === undefined) throw new ContainerConfigError(`couldn't find key ${item.key} in ${what}`);
    const file = path.join(dir, item.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, value, { mode: item.mode ?? defaultMode });
    fs.chmodSync(file, item.mode ?? defaultMode);
  }
}

/** Writes everything the pod's containers mount; returns volume name -> host directory. */
export async function preparePodFiles(pod: Pod, podIp: string, dir: string, client: KubeClient, settings: ClusterSettings, caCrt: string): Promise<Map<string, string>> {
  const { namespace: ns, name } = pod.metadata;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'resolv.conf'),
    `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${clusterAddresses(settings).dnsIp}\noptions ndots:5\n`);
  const hostname = pod.spec.hostname ?? name;
  const fqdn = pod.spec.subdomain ? `${hostname}.${pod.spec.subdomain}.${ns}.svc.cluster.local\t` : '';
  fs.writeFileSync(path.join(dir, 'hosts'), '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
    + `${podIp}\t${fqdn}${hostname}\n`);
  const volumes = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const vdir = path.join(dir, 'volumes', v.name);
    if (v.emptyDir) {
      fs.mkdirSync(vdir, { recursive: true, mode: 0o777 });
      fs.chmodSync(vdir, 0o777);
    } else if (v.configMap) {
      const cm = await getConfigObject(client, 'configmaps', ns, v.configMap.name, v.configMap.optional);
      writeKeys(vdir, cm ? configEntries(cm, false) : new Map(), v.configMap.items, v.configMap.defaultMode ?? 0o644, `configmap "${v.configMap.name}"`);
    } else if (v.secret) {
      const s = await getConfigObject(client, 'secrets', ns, v.secret.secretName, v.secret.optional);
      writeKeys(vdir, s ? configEntries(s, true) : new Map(), v.secret.items, v.secret.defaultMode ?? 0o644, `secret "${v.secret.secretName}"`);
    } else {
      continue; // unsupported volume types are left out rather than faked
    }
    volumes.set(v.name, vdir);
  }
  const wantsToken = pod.spec.automountServiceAccountToken !== false
    && !pod.spec.containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SA_MOUNT));
  if (wantsToken) {
    const sa = pod.spec.serviceAccountName ?? 'default';
    const res = await client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3607 } });
    const sadir = path.join(dir, 'serviceaccount');
    fs.mkdirSync(sadir, { recursive: true });
    fs.writeFileSync(path.join(sadir, 'token'), res.status.token, { mode: 0o644 });
    fs.copyFileSync(caCrt, path.join(sadir, 'ca.crt'));
    fs.writeFileSync(path.join(sadir, 'namespace'), ns);
    volumes.set('\0serviceaccount', sadir);
  }
  return volumes;
}
