// Supervises `kubectl port-forward` to the proxy pod: it picks a free workstation port on 127.0.0.1,
// reports it once kubectl says "Forwarding from", and reports kubectl's exit as a lost connection.
import { EventEmitter } from 'node:events';
import { execa, type ResultPromise } from 'execa';
import { ClusterError } from '../errors.js';

export interface PortForwardOptions {
  kubectl?: string;
  /** Flags that select the cluster: --kubeconfig, --context, --namespace. */
  clusterArgs: string[];
  /** `pod/NAME`, `deployment/NAME` or `svc/NAME`. */
  target: string;
  podPort: number;
  timeoutMs: number;
}

const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/;

/** kubectl's arguments up to the port: one spelling for starting and for finding our port-forwards. */
function portForwardArgs(target: string): string[] {
  return ['port-forward', '--address', '127.0.0.1', target];
}

/** A `pkill -f` pattern for the port-forwards this module starts to targets beginning with `targetPrefix`. */
export function portForwardPattern(targetPrefix: string): string {
  return portForwardArgs(targetPrefix).join(' ');
}

/** Emits 'exit' (with kubectl's last error output) once, unless stop() was called first. */
export class PortForward extends EventEmitter {
  private stopped = false;

  private constructor(private readonly child: ResultPromise, readonly workstationPort: number, stderr: () => string) {
    super();
    child.then(
      () => this.exited(stderr()),
      () => this.exited(stderr()),
    );
  }

  private exited(stderr: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.emit('exit', stderr.trim());
  }

  static start(opts: PortForwardOptions): Promise<PortForward> {
    const child = execa(opts.kubectl ?? 'kubectl',
      [...opts.clusterArgs, ...portForwardArgs(opts.target), `:${opts.podPort}`],
      { buffer: false, stdin: 'ignore', reject: true });
    let stdout = '';
    let stderr = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no answer within ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill();
        reject(new ClusterError(`kubectl port-forward ${opts.target} failed: ${why}`));
      };
      child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = FORWARDING.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(new PortForward(child, Number(m[1]), () => stderr));
        }
      });
      child.catch(() => fail(stderr.trim() || 'kubectl exited'));
    });
  }

  stop(): void {
    this.stopped = true;
    this.child.kill('SIGTERM');
  }
}
