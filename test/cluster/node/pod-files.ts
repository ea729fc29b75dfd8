// A pod's files on the host, under DIR/pods/<uid>: resolv.conf, hosts, the volumes (emptyDir here;
// configMap, secret, downwardAPI, projected in volumes.ts) and the service-account token, all
// bind-mounted into the containers.
import fs from 'node:fs';
import path from 'node:path';

import { clusterAddresses, type ClusterSettings } from '../state.js';
import type { KubeClient } from './kube-client.js';
import { hostsFile } from './hosts-file.js';
import { type Pod, SA_MOUNT } from './pod-types.js';
import { writeServiceAccount, writeVolume } from './volumes.js';

export { configEntries, getConfigObject } from './config-objects.js';

export function podDir(podsDir: string, uid: string): string {
  return path.join(podsDir, uid);
}

/** Writes everything the pod's containers mount; returns volume name -> host directory. */
export async function preparePodFiles(pod: Pod, podIp: string, dir: string, client: KubeClient, settings: ClusterSettings, caCrt: string): Promise<Map<string, string>> {
  const ns = pod.metadata.namespace;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'resolv.conf'),
    `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${clusterAddresses(settings).dnsIp}\noptions ndots:5\n`);
  fs.writeFileSync(path.join(dir, 'hosts'), hostsFile(pod, [podIp]));
  const volumes = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const vdir = path.join(dir, 'volumes', v.name);
    if (v.emptyDir) {
      fs.mkdirSync(vdir, { recursive: true, mode: 0o777 });
      fs.chmodSync(vdir, 0o777);
    } else if (!(await writeVolume(pod, v, vdir, client))) {
      continue; // unsupported volume types are left out rather than faked
    }
    volumes.set(v.name, vdir);
  }
  const wantsToken = pod.spec.automountServiceAccountToken !== false
    && !pod.spec.containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SA_MOUNT));
  if (wantsToken) {
    const sadir = path.join(dir, 'serviceaccount');
    await writeServiceAccount(pod, sadir, client, caCrt);
    volumes.set('\0serviceaccount', sadir);
  }
  return volumes;
}
