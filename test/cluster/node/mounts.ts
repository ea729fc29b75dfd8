// One volumeMount as a `docker run -v` argument: subPath and subPathExpr (created when missing, resolved
// through the ..data symlinks, never outside the volume, as the kubelet checks), and read-only for the
// volume kinds the kubelet always mounts read-only.
import fs from 'node:fs';
import path from 'node:path';

import { ContainerConfigError, type Container, type Pod } from './pod-types.js';
import { expandVars } from './service-env.js';

type Mount = NonNullable<Container['volumeMounts']>[number];

function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  // The kubelet's own `..2026_...` directories start with dots too: only a `..` component is outside.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export function mountArg(pod: Pod, m: Mount, volumes: ReadonlyMap<string, string>, env: ReadonlyMap<string, string>, container = ''): string {
  const dir = volumes.get(m.name);
  if (!dir) throw new ContainerConfigError(`volume "${m.name}" of mount ${m.mountPath} is not defined or not supported`);
  const volume = (pod.spec.volumes ?? []).find((v) => v.name === m.name);
  const alwaysReadOnly = !!(volume && (volume.configMap || volume.secret || volume.downwardAPI || volume.projected));
  const sub = m.subPathExpr !== undefined ? expandVars(m.subPathExpr, env) : m.subPath;
  let source = dir;
  if (sub) {
    const failed = () => new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${container}"`);
    if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw failed();
    const wanted = path.join(dir, sub);
    if (!fs.existsSync(wanted)) {
      if (alwaysReadOnly) throw failed();
      fs.mkdirSync(wanted, { recursive: true, mode: 0o777 });
    }
    source = fs.realpathSync(wanted);
    if (!within(fs.realpathSync(dir), source)) throw failed();
  }
  return `${source}:${m.mountPath}${m.readOnly || alwaysReadOnly ? ':ro' : ''}`;
}
