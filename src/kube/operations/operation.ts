// A proxy operation: how a session gets its proxy pod (`new`: a Deployment of its own; `swap`: a copy
// of the user's Deployment in its place; `existing`: a Deployment of the proxy image that is there). Three phases: checks that change nothing, the change (each
// undo registered as it is made, journalled first), and the repair of what a dead session left.
import type { ChangeJournal, UndoRegistry } from '../../changes.js';

export interface ProxyPod {
  podName: string;
  podIp: string;
  /** The pod's public SSH host key line, read through the API server: the only key the SSH client accepts. */
  hostKey: string;
  /** Who the session logs in as: root in the privileged variant (a remote port below 1024), else the proxy user. */
  sshUser: string;
  /**
   * The pod's `telepresence-podinfo` output when preparing it already ran it (--deployment's exec): the
   * session takes its environment from it instead of running podinfo again over SSH (a node start in the pod).
   */
  podInfo?: string;
  /** --swap-deployment: the swapped container's TCP ports, exposed to the same ports here unless --expose maps them. */
  automaticPorts?: readonly number[];
  /**
   * On a reconnect: null while this pod still runs (connect to it again); once it is gone (deleted, being
   * deleted, ended), its Deployment's new Ready pod, prepared as this one was (host key read, key authorized).
   * Throws when nothing replaced it by the deadline. Absent: the session only ever uses this pod.
   */
  successor?(wait: SuccessorWait): Promise<ProxyPod | null>;
}

export interface SuccessorWait {
  /** The reconnect's deadline (ms since the epoch). */
  deadline: number;
  /** Aborted when the session ends meanwhile. */
  signal?: AbortSignal;
  /** One line when the pod is found gone. */
  progress(line: string): void;
  log(line: string): void;
}

export interface OperationContext {
  sessionId: string;
  image: string;
  /** The session's OpenSSH public key line, authorized in the pod's sshd. */
  publicKey: string;
  serviceAccount?: string;
  /** Pod-side ports the session exposes (--expose REMOTE): declared on the pod, and a Service of the new Deployment. */
  exposePorts: readonly number[];
  undo: UndoRegistry;
  journal: ChangeJournal;
  progress(line: string): void;
  /** Aborts the wait for the pod (Ctrl-C). */
  signal?: AbortSignal;
  /** timeouts.proxyPodReady. */
  readyTimeoutMs: number;
  /** More variables for the proxy program in a pod the session makes (a local cluster's TELEPRESENCE_NAMESERVER). */
  podEnv?: Readonly<Record<string, string>>;
  /**
   * Told the pod's name as soon as it is Ready, while it is still being prepared (--deployment's exec): the
   * session starts its port-forward and SSH key exchange to it meanwhile. Called at most once.
   */
  podChosen?(podName: string): void;
}

export interface ProxyOperation {
  /** The Deployment the session works with (the new one, the swapped one, the existing one). */
  readonly deployment: string;
  /** Checks that change nothing: a bad name, a name taken, a Deployment that is not there. */
  check(): Promise<void>;
  /** Makes the proxy pod; every change is journalled before it is made and its undo pushed after. */
  apply(ctx: OperationContext): Promise<ProxyPod>;
}
