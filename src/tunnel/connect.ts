// Opens the tunnel to a ready proxy pod: `kubectl port-forward pod/NAME :8022`, then SSH through it,
// retrying the handshake until the deadline (sshd may still be starting; Telepresence 1 waited 30 s).
import type { ChangeJournal } from '../changes.js';
import { DEFAULT_TIMEOUTS } from '../config/config.js';
import { pause } from '../deadline.js';
import { ClusterError } from '../errors.js';
import { PROXY_SSH_USER, SSH_PORT } from '../protocol/index.js';
import { PortForward, PORT_FORWARD_ENTRY, type PortForwardEntry } from './port-forward.js';
import type { SessionKey } from './session-key.js';
import { SshTunnel } from './ssh.js';

export interface ConnectTimeouts {
  /** `kubectl port-forward` prints its port (config timeouts.portForward). */
  portForwardMs?: number;
  /** sshd answers and accepts the key (config timeouts.sshConnect). */
  sshConnectMs?: number;
  /** The SSH user: the proxy's (default), or root in the privileged variant. */
  username?: string;
}

export interface ProxyConnection {
  tunnel: SshTunnel;
  portForward: PortForward;
  /** Resolves once, with the reason, when the SSH connection or the port-forward is lost (not after close()). */
  lost: Promise<string>;
  /** Ends the SSH connection and the port-forward. */
  close(): void;
}

/**
 * The port-forward's pid goes to the journal as soon as kubectl runs (a SIGKILLed session leaves it
 * running); the entry is settled when close() has stopped it.
 */
export async function connectToProxy(target: { readonly kubectlArgs: readonly string[] }, podName: string, key: Pick<SessionKey, 'privateKey'>,
  timeouts: ConnectTimeouts = {}, journal?: ChangeJournal): Promise<ProxyConnection> {
  const sshMs = timeouts.sshConnectMs ?? DEFAULT_TIMEOUTS.sshConnect;
  const deadline = Date.now() + sshMs;
  const forwardTarget = `pod/${podName}`;
  const entry = journal?.record<PortForwardEntry>(PORT_FORWARD_ENTRY, { pid: 0, target: forwardTarget });
  let portForward: PortForward;
  try {
    portForward = await PortForward.start({
      clusterArgs: [...target.kubectlArgs], target: forwardTarget, podPort: SSH_PORT,
      timeoutMs: timeouts.portForwardMs ?? DEFAULT_TIMEOUTS.portForward,
      onSpawn: (pid) => entry?.update({ pid, target: forwardTarget }),
    });
  } catch (err) {
    entry?.settle(); // kubectl was stopped (or never ran)
    throw err;
  }
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
      if (forwardExit !== undefined) throw new ClusterError(`kubectl port-forward pod/${podName} ended while connecting to the proxy's sshd: ${forwardExit}`);
      attempts++;
      try {
        const tunnel = await SshTunnel.connect({
          host: '127.0.0.1', port: portForward.workstationPort, username: timeouts.username ?? PROXY_SSH_USER, privateKey: key.privateKey,
          readyTimeoutMs: Math.max(1000, Math.min(10_000, deadline - Date.now())),
        });
        // Latency: without it sshd delays every new channel by ~40 ms (see requestInteractive).
        await tunnel.requestInteractive().catch(() => undefined);
        const lost = new Promise<string>((resolve) => {
          tunnel.once('lost', resolve);
          portForward.once('exit', resolve);
        });
        return { tunnel, portForward, lost, close: () => { tunnel.close(); stop(); } };
      } catch (err) {
        lastError = (err as Error).message;
        // A refused key will not be accepted on the next try: fail at once.
        if (/authentication methods failed/i.test(lastError)) throw new ClusterError(`the proxy pod ${podName} refused the session's SSH key: ${lastError}`);
      }
      if (Date.now() >= deadline) {
        throw new ClusterError(`sshd in the proxy pod ${podName} did not answer within ${sshMs / 1000} s (timeouts.sshConnect; ${attempts} attempt${attempts === 1 ? '' : 's'}): ${lastError}`);
      }
      await pause(Math.min(300, deadline - Date.now()));
    }
  } catch (err) {
    stop();
    throw err;
  }
}
