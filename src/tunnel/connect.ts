// Opens the tunnel to a ready proxy pod: `kubectl port-forward pod/NAME :8022`, then SSH through it,
// retrying the handshake until the deadline (sshd may still be starting; Telepresence 1 waited 30 s).
// Only the pod's pinned host key is accepted: another is refused at once (HostKeyMismatchError).
// The connection returned re-opens both legs when one is lost (reconnect.ts), until timeouts.reconnect,
// to the pod that locatePod names per attempt (a replacement pod, with its own pinned key, once the first is gone).
import type { ChangeJournal } from '../changes.js';
import { DEFAULT_TIMEOUTS } from '../config/config.js';
import { pause } from '../deadline.js';
import { ClusterError, HostKeyMismatchError } from '../errors.js';
import { lastLine } from '../host/command-line.js';
import { PROXY_SSH_USER, SSH_PORT } from '../protocol/index.js';
import { PortForward, PORT_FORWARD_ENTRY, type PortForwardEntry } from './port-forward.js';
import type { PinnedHostKey } from './host-key.js';
import { ReconnectingConnection, type ConnectionLeg, type ProxyTunnel, type ReconnectListener } from './reconnect.js';
import type { SessionKey } from './session-key.js';
import { type Deferred, SshTunnel } from './ssh.js';

export type { ProxyTunnel, ReconnectEvent, ReconnectListener } from './reconnect.js';

/** The pod a leg connects to, the only host key accepted there, and the SSH user. */
export interface ProxyPodTarget {
  podName: string;
  hostKey: PinnedHostKey;
  username?: string;
}

export interface ConnectTimeouts {
  /** `kubectl port-forward` prints its port (config timeouts.portForward). */
  portForwardMs?: number;
  /** sshd answers and accepts the key (config timeouts.sshConnect). */
  sshConnectMs?: number;
  /** After a loss, how long to try to reconnect before the session ends (config timeouts.reconnect). */
  reconnectMs?: number;
  /**
   * The first pod's SSH user: the proxy's (default), or root in the privileged variant. With the host key, a
   * promise while the session still prepares the pod (--deployment's exec): the port-forward and the key
   * exchange start at once, authentication waits for it; a rejection ends the connection with that error.
   */
  username?: Deferred<string>;
  /** The pod's host key as read through the API server (pinHostKey): the only one accepted. */
  hostKey: Deferred<PinnedHostKey>;
  /** The loss and the recovery, one line each (the session's `T: ` progress). */
  progress?: (line: string) => void;
  /** Every attempt and its failure. */
  log?: (line: string) => void;
  /**
   * Per reconnect attempt: the pod to connect to now — the same while it runs, else the one that replaced it
   * (with its own key; the old key stays the old pod's). Bounded by `deadline`; absent: always the first pod.
   */
  locatePod?: (deadline: number, signal: AbortSignal) => Promise<ProxyPodTarget>;
}

export interface ProxyConnection {
  /** The same object for the life of the connection: it always uses the current SSH connection. */
  tunnel: ProxyTunnel;
  /**
   * Resolves once when the connection is lost for good (not after close()): with the reason when it could
   * not reconnect within timeouts.reconnect, with the error when reconnecting cannot help (a host key mismatch).
   */
  lost: Promise<string | Error>;
  /** Called after every reconnect, for what must be set up again on the new SSH connection; returns the removal. */
  onReconnected(listener: ReconnectListener): () => void;
  /** Ends the SSH connection and the port-forward (and a reconnect in progress). */
  close(): Promise<void>;
}

type Target = { readonly kubectlArgs: readonly string[] };

/**
 * The port-forward's pid goes to the journal as soon as kubectl runs (a SIGKILLed session leaves it
 * running); the entry is settled when close() has stopped it. The first connection's failure is thrown.
 */
export async function connectToProxy(target: Target, podName: string, key: Pick<SessionKey, 'privateKey'>,
  timeouts: ConnectTimeouts, journal?: ChangeJournal): Promise<ProxyConnection> {
  const sshMs = timeouts.sshConnectMs ?? DEFAULT_TIMEOUTS.sshConnect;
  const firstPod: LegTarget = { podName, hostKey: timeouts.hostKey, username: timeouts.username };
  // A reconnect waits for sshd no longer than timeouts.sshConnect, nor past its own deadline.
  const open = async (deadline: number, signal: AbortSignal) => {
    const pod = timeouts.locatePod ? await timeouts.locatePod(deadline, signal) : firstPod;
    return openLeg(target, pod, key, timeouts, { deadline: Math.min(deadline, Date.now() + sshMs), journal, signal });
  };
  const first = await openLeg(target, firstPod, key, timeouts, { deadline: Date.now() + sshMs, journal, budgetMs: sshMs });
  return new ReconnectingConnection(first, {
    connect: open, reconnectMs: timeouts.reconnectMs ?? DEFAULT_TIMEOUTS.reconnect,
    progress: timeouts.progress, log: timeouts.log,
  });
}

interface LegOptions {
  /** The SSH handshake is retried until then (ms since the epoch). */
  deadline: number;
  /** What the message of a handshake that never came names as the wait (default: until the deadline). */
  budgetMs?: number;
  journal?: ChangeJournal;
  /** Aborted: the retries stop (the connection was closed meanwhile). */
  signal?: AbortSignal;
}

/** A leg's pod: a reconnect's is known; the first one's key and user may still be on their way. */
interface LegTarget {
  podName: string;
  hostKey: Deferred<PinnedHostKey>;
  username?: Deferred<string>;
}

/** One port-forward and one SSH connection through it. */
async function openLeg(target: Target, pod: LegTarget, key: Pick<SessionKey, 'privateKey'>, timeouts: ConnectTimeouts, o: LegOptions): Promise<ConnectionLeg> {
  const { deadline, journal, signal } = o;
  const { podName } = pod;
  const budgetMs = o.budgetMs ?? deadline - Date.now();
  const forwardTarget = `pod/${podName}`;
  const entry = journal?.record<PortForwardEntry>(PORT_FORWARD_ENTRY, { pid: 0, target: forwardTarget });
  let portForward: PortForward;
  try {
    portForward = await PortForward.start({
      clusterArgs: [...target.kubectlArgs], target: forwardTarget, podPort: SSH_PORT,
      timeoutMs: Math.max(500, Math.min(timeouts.portForwardMs ?? DEFAULT_TIMEOUTS.portForward, deadline - Date.now())),
      onSpawn: (pid) => entry?.update({ pid, target: forwardTarget }),
    });
  } catch (err) {
    entry?.settle(); // kubectl was stopped (or never ran)
    throw err;
  }
  timeouts.log?.(`port-forward ${forwardTarget} listens on 127.0.0.1:${portForward.workstationPort}`);
  const stop = () => {
    portForward.stop();
    entry?.settle();
  };
  let forwardExit: string | undefined;
  portForward.once('exit', (why: string) => { forwardExit = why || 'kubectl exited'; });
  let lastError = '';
  let attempts = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw new ClusterError('the connection to the proxy pod was closed while connecting');
      if (forwardExit !== undefined) throw new ClusterError(`kubectl port-forward pod/${podName} ended while connecting to the proxy's sshd: ${forwardExit}`);
      attempts++;
      try {
        const tunnel = await SshTunnel.connect({
          host: '127.0.0.1', port: portForward.workstationPort, username: pod.username ?? PROXY_SSH_USER, privateKey: key.privateKey, hostKey: pod.hostKey,
          readyTimeoutMs: Math.max(1000, Math.min(10_000, deadline - Date.now())),
        });
        // Latency: without it sshd delays every new channel by ~40 ms (see requestInteractive). Not waited for:
        // waiting put its three round trips and a delayed ACK (50 ms, measured) on the start-up's path; sent
        // first and left to finish beside the mount and the readiness check, it is done 12-27 ms later and
        // the session is set up ~30 ms sooner (measured with --deployment).
        void tunnel.requestInteractive().catch(() => undefined);
        timeouts.log?.(`SSH connected to pod ${podName} (attempt ${attempts})`);
        const lost = new Promise<string>((resolve) => {
          tunnel.once('lost', resolve);
          // One line of kubectl's complaint: the reason goes into a progress line.
          portForward.once('exit', (why: string) => resolve(`kubectl port-forward exited${why ? `: ${lastLine(why)}` : ''}`));
        });
        return { tunnel, pid: portForward.pid, pod: podName, lost, close: () => { tunnel.close(); stop(); } };
      } catch (err) {
        // Another host key will not become the pod's on the next try: the session ends with the line.
        if (err instanceof HostKeyMismatchError) throw err;
        // A pod still being prepared: its outcome first (its own error when it failed), then a try with its key.
        await Promise.all([pod.hostKey, pod.username]);
        lastError = (err as Error).message;
        // A refused key will not be accepted on the next try: fail at once.
        if (/authentication methods failed/i.test(lastError)) throw new ClusterError(`the proxy pod ${podName} refused the session's SSH key: ${lastError}`);
      }
      if (Date.now() >= deadline) {
        throw new ClusterError(`sshd in the proxy pod ${podName} did not answer within ${Math.round(budgetMs / 100) / 10} s (timeouts.sshConnect; ${attempts} attempt${attempts === 1 ? '' : 's'}): ${lastError}`);
      }
      await pause(Math.min(300, deadline - Date.now()), signal);
    }
  } catch (err) {
    stop();
    throw err;
  }
}
