// Finds and merges kubeconfig files as kubectl does: --kubeconfig alone, else every file of $KUBECONFIG
// (missing ones skipped, the first file to name a cluster/user/context/current-context wins), else ~/.kube/config.
// A file that cannot be read or is not a kubeconfig is the user's to fix: a ConfigError (exit 2) naming
// the file, the line or key and what was expected; a --kubeconfig that does not exist is a UsageError.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

import { readBoundedText, readFailure } from '../config/read-file.js';
import { ConfigError, UsageError } from '../errors.js';
import { loadClientNode } from './client-node.js';
import { kubeconfigShapeError } from './kubeconfig-shape.js';

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
    if (!fs.existsSync(flag)) throw new UsageError(`the kubeconfig file ${flag} given with --kubeconfig does not exist`, { value: flag });
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
    const one = readOne(new k8s.KubeConfig(), file);
    if (!one) continue;
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= one.getCurrentContext() ?? '';
  }
  const merged = new k8s.KubeConfig();
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return merged;
}

/** The parser's first line with `(3:14)` spelled out: js-yaml is client-node's parser. */
function yamlMessage(err: unknown): string {
  const first = (err as Error).message.split('\n')[0];
  return first.replace(/ \((\d+):(\d+)\)$/, ' at line $1, column $2');
}

/** One file, loaded into `into`; null for an empty file (kubectl reads it as an empty config). */
function readOne(into: KubeConfig, file: string): KubeConfig | null {
  const fail = (why: string): never => {
    throw new ConfigError(`cannot read the kubeconfig ${file}: ${why}`, { value: file });
  };
  let text = '';
  try {
    text = readBoundedText(file);
  } catch (err) {
    fail(`it ${readFailure(err)}`);
  }
  if (/^\s*$/.test(text.replace(/^\s*#.*$/gm, ''))) return null;
  // Before client-node reads it: it takes a key of the wrong type for the right one, or throws a TypeError.
  const shape = kubeconfigShapeError(text);
  if (shape !== null) fail(`not a kubeconfig: ${shape}`);
  try {
    into.loadFromString(text);
  } catch (err) {
    const yaml = (err as Error).name === 'YAMLException';
    fail(yaml ? `not valid YAML: ${yamlMessage(err)}` : `not a kubeconfig: ${(err as Error).message.split('\n')[0]}`);
  }
  let top: unknown = {};
  try {
    top = parseYaml(text);
  } catch {
    // js-yaml read it; a stricter reading does not count against the file.
  }
  if (top === null || typeof top !== 'object' || Array.isArray(top)) {
    fail('not a kubeconfig: expected a map with the keys apiVersion, kind, clusters, contexts, users');
  }
  const current: unknown = into.getCurrentContext();
  if (current !== undefined && current !== null && typeof current !== 'string') {
    fail(`not a kubeconfig: current-context: expected a context name, got ${JSON.stringify(current)}`);
  }
  into.makePathsAbsolute(path.dirname(file));
  return into;
}

/** `P` or `P1:P2` or a note that there is none, for messages. */
export function describeSource(source: KubeconfigSource): string {
  if (source.files.length === 0) return `no kubeconfig (${source.origin === '$KUBECONFIG' ? 'none of the files in $KUBECONFIG exists' : '~/.kube/config does not exist and $KUBECONFIG is unset'})`;
  return `the kubeconfig ${source.files.join(path.delimiter)}`;
}
