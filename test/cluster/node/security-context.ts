// securityContext as `docker run` flags, with the kubelet's own checks: runAsUser/runAsGroup (the image's
// user otherwise), runAsNonRoot refused with the kubelet's text when the container would run as root,
// supplementalGroups and fsGroup, readOnlyRootFilesystem, capabilities, privileged, allowPrivilegeEscalation,
// and seccomp (Unconfined unless RuntimeDefault, the kubelet's default). Pure.
import { ContainerConfigError, type Container, type Pod } from './pod-types.js';

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  fsGroup?: number;
  seccompProfile?: { type: string };
}
export interface ContainerSecurityContext extends PodSecurityContext {
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

/** The image's USER as the CRI reports it: a numeric uid, or a name (empty means root). */
export function imageUser(user: string): { uid?: number; name?: string } {
  const part = user.split(':')[0] ?? '';
  if (part === '') return { uid: 0 };
  return /^\d+$/.test(part) ? { uid: Number(part) } : { name: part };
}

/** format.Pod: `name_namespace(uid)`. */
function podText(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

/** verifyRunAsNonRoot of the kubelet, with its messages. */
export function verifyRunAsNonRoot(pod: Pod, c: Container, effective: PodSecurityContext, image: string): void {
  if (!effective.runAsNonRoot) return;
  const where = `(pod: ${JSON.stringify(podText(pod))}, container: ${c.name})`;
  if (effective.runAsUser !== undefined) {
    if (effective.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  const user = imageUser(image);
  if (user.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
  if (user.name !== undefined) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user.name}), cannot verify user is non-root ${where}`);
}

/** The flags for one container; `imageUserText` is the image's Config.User. Throws ContainerConfigError. */
export function securityArgs(pod: Pod, c: Container, imageUserText: string): string[] {
  const podSc = (pod.spec.securityContext ?? {}) as PodSecurityContext;
  const sc = (c.securityContext ?? {}) as ContainerSecurityContext;
  const effective: PodSecurityContext = {
    runAsUser: sc.runAsUser ?? podSc.runAsUser,
    runAsGroup: sc.runAsGroup ?? podSc.runAsGroup,
    runAsNonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
  };
  verifyRunAsNonRoot(pod, c, effective, imageUserText);
  const args: string[] = [];
  if (effective.runAsUser !== undefined || effective.runAsGroup !== undefined) {
    const user = effective.runAsUser !== undefined ? String(effective.runAsUser) : (imageUserText.split(':')[0] || '0');
    args.push('--user', effective.runAsGroup !== undefined ? `${user}:${effective.runAsGroup}` : user);
  }
  const groups = [...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  for (const g of new Set(groups)) args.push('--group-add', String(g));
  if (sc.privileged) args.push('--privileged');
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities?.add ?? []) args.push('--cap-add', cap);
  for (const cap of sc.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type ?? 'Unconfined';
  if (seccomp === 'Unconfined' && !sc.privileged) args.push('--security-opt', 'seccomp=unconfined');
  return args;
}
