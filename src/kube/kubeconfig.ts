// Finds and merges kubeconfig files as kubectl does: --kubeconfig alone, else every file of $KUBECONFIG
// (missing ones skipped, the first file to name a cluster/user/context/current-context wins), else ~/.kube/config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';

import { ClusterError } from '../errors.js';
import { loadClientNode } from './client-node.js';

export interface KubeconfigSource {
  /** The files that were read, in precedence order (may be empty: no kubeconfig at all). */
  files: string[];
  /** Where the list came from, for messages: `--kubeconfig`, `$KUBECONFIG` or `~/.kube/config`. */
  origin: string;
  /** True when kubectl must be told the file with --kubeconfig to see the same configuration. */
  singleFile: boolean;
}

/** Which files kubectl would read, without reading them. */
export function kubeconfigFiles(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): KubeconfigSource {
  if (flag) {
    if (!fs.existsSync(flag)) throw new ClusterError(`the kubeconfig file ${flag} given with --kubeconfig does not exist`);
    return { files: [path.resolve(flag)], origin: '--kubeconfig', singleFile: true };
  }
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    const files = [...new Set(listed.map((f) => path.resolve(f)))].filter((f) => fs.existsSync(f));
    return { files, origin: '$KUBECONFIG', singleFile: files.length === 1 };
  }
  const dflt = path.join(home, '.kube', 'config');
  return { files: fs.existsSync(dflt) ? [dflt] : [], origin: '~/.kube/config', singleFile: true };
}

/** Reads and merges the files into one KubeConfig (current context as the files set it). */
export async function loadKubeconfig(source: KubeconfigSource): Promise<KubeConfig> {
  const k8s = await loadClientNode();
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of source.files) {
    const one = new k8s.KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      throw new ClusterError(`cannot read the kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= one.getCurrentContext() ?? '';
  }
  const merged = new k8s.KubeConfig();
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return merged;
}

/** `P` or `P1:P2` or a note that there is none, for messages. */
export function describeSource(source: KubeconfigSource): string {
  if (source.files.length === 0) return `no kubeconfig (${source.origin === '$KUBECONFIG' ? 'none of the files in $KUBECONFIG exists' : '~/.kube/config does not exist and $KUBECONFIG is unset'})`;
  return `the kubeconfig ${source.files.join(path.delimiter)}`;
}
