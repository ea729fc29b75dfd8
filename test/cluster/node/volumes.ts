// The files of the volumes the kubelet writes itself — configMap, secret, downwardAPI, projected
// (serviceAccountToken, configMap, secret, downwardAPI sources) and the service-account token the
// kubelet mounts by default — each in the AtomicWriter layout of a real kubelet (..data symlinks).
import fs from 'node:fs';
import os from 'node:os';

import { writeAtomic, safeVolumePath, type VolumeFile } from './atomic-writer.js';
import { resourceValue, volumeFieldValue } from './downward-api.js';
import type { KubeClient } from './kube-client.js';
import { configEntries, getConfigObject } from './config-objects.js';
import { ContainerConfigError, type DownwardItem, type KeyToPath, type Pod, type Volume } from './pod-types.js';

type Files = Map<string, VolumeFile>;

function put(files: Files, p: string, data: Buffer | string, mode: number, what: string): void {
  const rel = safeVolumePath(p);
  if (!rel) throw new ContainerConfigError(`invalid path ${JSON.stringify(p)} in ${what}: must be relative, without '..'`);
  files.set(rel, { data: Buffer.isBuffer(data) ? data : Buffer.from(data), mode });
}

function keys(files: Files, entries: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string): void {
  for (const item of items ?? [...entries.keys()].map((key): KeyToPath => ({ key, path: key }))) {
    const value = entries.get(item.key);
    if (value === undefined) throw new ContainerConfigError(`couldn't find key ${item.key} in ${what}`);
    put(files, item.path, value, item.mode ?? mode, what);
  }
}

function downward(files: Files, pod: Pod, items: DownwardItem[] | undefined, mode: number): void {
  const node = { cpuCores: os.cpus().length, memoryBytes: os.totalmem() };
  for (const item of items ?? []) {
    let value: string;
    if (item.fieldRef) value = volumeFieldValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      const c = pod.spec.containers.find((x) => x.name === ref.containerName) ?? pod.spec.containers[0]!;
      value = resourceValue(c, ref.resource, ref.divisor, node);
    } else continue;
    put(files, item.path, value, item.mode ?? mode, 'downwardAPI volume');
  }
}

async function token(client: KubeClient, pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
  const sa = pod.spec.serviceAccountName ?? 'default';
  const res = await client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { audiences: audience ? [audience] : [], expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid } },
  });
  return res.status.token;
}

/** The files of one volume, or undefined for a kind the kubelet does not write (emptyDir and the unsupported). */
export async function volumeFiles(pod: Pod, v: Volume, client: KubeClient): Promise<Files | undefined> {
  const ns = pod.metadata.namespace;
  const files: Files = new Map();
  if (v.configMap) {
    const cm = await getConfigObject(client, 'configmaps', ns, v.configMap.name, v.configMap.optional);
    keys(files, cm ? configEntries(cm, false) : new Map(), cm ? v.configMap.items : [], v.configMap.defaultMode ?? 0o644, `configmap "${v.configMap.name}"`);
  } else if (v.secret) {
    const s = await getConfigObject(client, 'secrets', ns, v.secret.secretName, v.secret.optional);
    keys(files, s ? configEntries(s, true) : new Map(), s ? v.secret.items : [], v.secret.defaultMode ?? 0o644, `secret "${v.secret.secretName}"`);
  } else if (v.downwardAPI) {
    downward(files, pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? 0o644);
  } else if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken) {
        put(files, src.serviceAccountToken.path, await token(client, pod, src.serviceAccountToken.audience, src.serviceAccountToken.expirationSeconds ?? 3600), mode, 'projected volume');
      } else if (src.configMap) {
        const cm = await getConfigObject(client, 'configmaps', ns, src.configMap.name, src.configMap.optional);
        if (cm) keys(files, configEntries(cm, false), src.configMap.items, mode, `configmap "${src.configMap.name}"`);
      } else if (src.secret) {
        const s = await getConfigObject(client, 'secrets', ns, src.secret.name, src.secret.optional);
        if (s) keys(files, configEntries(s, true), src.secret.items, mode, `secret "${src.secret.name}"`);
      } else if (src.downwardAPI) downward(files, pod, src.downwardAPI.items, mode);
    }
  } else return undefined;
  return files;
}

/** Writes the volume's files into `dir`; false when the kubelet does not write this kind. */
export async function writeVolume(pod: Pod, v: Volume, dir: string, client: KubeClient): Promise<boolean> {
  const files = await volumeFiles(pod, v, client);
  if (!files) return false;
  writeAtomic(dir, files);
  return true;
}

/** The default service-account mount (token, ca.crt, namespace), as the kube-api-access projected volume has it. */
export async function writeServiceAccount(pod: Pod, dir: string, client: KubeClient, caCrt: string): Promise<void> {
  const files: Files = new Map();
  put(files, 'token', await token(client, pod, undefined, 3607), 0o644, 'service account');
  put(files, 'ca.crt', fs.readFileSync(caCrt), 0o644, 'service account');
  put(files, 'namespace', pod.metadata.namespace, 0o644, 'service account');
  writeAtomic(dir, files);
}
