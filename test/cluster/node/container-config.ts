// Turns one container of a pod spec into `docker run` arguments: Kubernetes' command/args semantics
// (command replaces ENTRYPOINT, args replace CMD), env (values, configMap/secret/field/resource refs, envFrom,
// the Service variables, $(VAR) expansion), mounts (mounts.ts) and securityContext (security-context.ts).
import os from 'node:os';
import path from 'node:path';

import { clusterLabel, LABEL_UID, containerName, pauseName } from './docker.js';
import type { KubeClient } from './kube-client.js';
import { configEntries, getConfigObject } from './config-objects.js';
import { resourceValue } from './downward-api.js';
import { type Container, ContainerConfigError, type Pod, SA_MOUNT } from './pod-types.js';
import { expandVars } from './service-env.js';
import { mountArg } from './mounts.js';
import { securityArgs } from './security-context.js';

function fieldValue(pod: Pod, podIp: string, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName,
    'spec.serviceAccountName': pod.spec.serviceAccountName ?? 'default',
    'status.podIP': podIp,
    'status.podIPs': podIp,
  };
  if (!(fieldPath in fields)) throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  return fields[fieldPath] ?? '';
}

/** The container's environment, in Kubernetes' order: Service variables, envFrom, then env. */
export async function containerEnv(pod: Pod, c: Container, podIp: string, serviceVars: [string, string][], client: KubeClient): Promise<Map<string, string>> {
  const ns = pod.metadata.namespace;
  const env = new Map<string, string>(serviceVars);
  for (const src of c.envFrom ?? []) {
    const ref = src.configMapRef ?? src.secretRef;
    if (!ref) continue;
    const isSecret = src.secretRef !== undefined;
    const obj = await getConfigObject(client, isSecret ? 'secrets' : 'configmaps', ns, ref.name, ref.optional);
    for (const [k, v] of obj ? configEntries(obj, isSecret) : []) env.set(`${src.prefix ?? ''}${k}`, v.toString('utf8'));
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      env.set(e.name, expandVars(e.value ?? '', env));
    } else if (from.fieldRef) {
      env.set(e.name, fieldValue(pod, podIp, from.fieldRef.fieldPath));
    } else if (from.resourceFieldRef) {
      const ref = from.resourceFieldRef;
      const target = pod.spec.containers.find((x) => x.name === ref.containerName) ?? c;
      env.set(e.name, resourceValue(target, ref.resource, ref.divisor, { cpuCores: os.cpus().length, memoryBytes: os.totalmem() }));
    } else {
      const ref = from.configMapKeyRef ?? from.secretKeyRef!;
      const isSecret = from.secretKeyRef !== undefined;
      const obj = await getConfigObject(client, isSecret ? 'secrets' : 'configmaps', ns, ref.name, ref.optional);
      const value = obj ? configEntries(obj, isSecret).get(ref.key) : undefined;
      if (value !== undefined) env.set(e.name, value.toString('utf8'));
      else if (!ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in ${isSecret ? 'Secret' : 'ConfigMap'} ${ns}/${ref.name}`);
    }
  }
  return env;
}

export interface RunContext {
  pod: Pod;
  container: Container;
  env: Map<string, string>;
  volumes: Map<string, string>; // volume name -> host dir ('\0serviceaccount' for the token)
  podDir: string;
  /** The image's Config.User (for runAsNonRoot and runAsGroup alone). */
  imageUser?: string;
}

export function dockerRunArgs(ctx: RunContext): string[] {
  const { pod, container: c, env } = ctx;
  const ns = pod.metadata.namespace;
  const args = ['run', '-d', '--name', containerName(ns, pod.metadata.name, c.name), '--label', clusterLabel(),
    '--label', `${LABEL_UID}=${pod.metadata.uid}`, '--label', `tp-container=${c.name}`,
    '--network', `container:${pauseName(ns, pod.metadata.name)}`,
    '-v', `${path.join(ctx.podDir, 'resolv.conf')}:/etc/resolv.conf:ro`, '-v', `${path.join(ctx.podDir, 'hosts')}:/etc/hosts`];
  for (const [k, v] of env) args.push('-e', `${k}=${v}`);
  for (const m of c.volumeMounts ?? []) args.push('-v', mountArg(pod, m, ctx.volumes, env, c.name));
  const sa = ctx.volumes.get('\0serviceaccount');
  if (sa) args.push('-v', `${sa}:${SA_MOUNT}:ro`);
  args.push(...securityArgs(pod, c, ctx.imageUser ?? ''));
  if (c.workingDir) args.push('-w', c.workingDir);
  if (c.tty) args.push('-t');
  if (c.stdin) args.push('-i');
  const expand = (list: string[] | undefined) => list?.map((s) => expandVars(s, env));
  const command = expand(c.command);
  const cmdArgs = expand(c.args);
  if (command && command.length > 0) args.push('--entrypoint', command[0]!);
  args.push(c.image);
  if (command && command.length > 0) args.push(...command.slice(1), ...(cmdArgs ?? []));
  else if (cmdArgs) args.push(...cmdArgs);
  return args;
}
