// Opens the tunnel to a ready proxy pod: `kubectl port-forward pod/NAME :8022`, then SSH through it,
// retrying the handshake until the deadline (sshd may still be starting; Telepresence 1 waited 30 s).
import { DEFAULT_TIMEOUTS } from '../config/config.js';
import { ClusterError } from '../errors.js';
import { PortForward } from '../tunnel/port-forward.js';
import type { SessionKey } from '../tunnel/session-key.js';
import { SshTunnel } from '../tunnel/ssh.js';
import { pause } from './deadline.js';
import { PROXY_SSH_USER, SSH_PORT } from '../protocol/index.js';
import type { ClusterTarget } from './target.js';

export interface ConnectTimeouts {
  /** `kubectl port-forward` prints its port (config timeouts.portForward). */
  portForwardMs?: number;
  /** sshd answers and accepts the key (config timeouts.sshConnect). */
  sshConnectMs?: number;
}

export interface ProxyConnection {
  tunnel: SshTunnel;
  portForward: PortForward;
  /** Ends the SSH connection and the port-forward. */
  close(): void;
}

export async function connectToProxy(target: Pick<ClusterTarget, 'kubectlArgs'>, podName: string, key: Pick<SessionKey, 'privateKey'>, timeouts: ConnectTimeouts = {}): Promise<ProxyConnection> {
  const sshMs = timeouts.sshConnectMs ?? DEFAULT_TIMEOUTS.sshConnect;
  const deadline = Date.now() + sshMs;
  const portForward = await PortForward.start({
    clusterArgs: target.kubectlArgs, target: `pod/${podName}`, podPort: SSH_PORT,
    timeoutMs: timeouts.portForwardMs ?? DEFAULT_TIMEOUTS.portForward,
  });
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
          host: '127.0.0.1', port: portForward.workstationPort, username: PROXY_SSH_USER, privateKey: key.privateKey,
          readyTimeoutMs: Math.max(1000, Math.min(10_000, deadline - Date.now())),
        });
        // Latency: without it sshd delays every new channel by ~40 ms (see requestInteractive).
        await tunnel.requestInteractive().catch(() => undefined);
        return { tunnel, portForward, close: () => { tunnel.close(); portForward.stop(); } };
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
    portForward.stop();
    throw err;
  }
}
