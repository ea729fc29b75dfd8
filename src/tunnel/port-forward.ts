// Supervises `kubectl port-forward` to the proxy pod: it picks a free workstation port on 127.0.0.1,
// reports it once kubectl says "Forwarding from", and reports kubectl's exit as a lost connection.
import { EventEmitter } from 'node:events';
import { execa, type ResultPromise } from 'execa';
import type { Repairer } from '../changes.js';
import { ClusterError } from '../errors.js';
import { stopRecordedProcess } from '../host/process.js';

export interface PortForwardOptions {
  kubectl?: string;
  /** Flags that select the cluster: --kubeconfig, --context, --namespace. */
  clusterArgs: string[];
  /** `pod/NAME`, `deployment/NAME` or `svc/NAME`. */
  target: string;
  podPort: number;
  timeoutMs: number;
  /** Called with kubectl's pid as soon as it runs (the session journals it). */
  onSpawn?: (pid: number) => void;
}

/** The journal entry of a running port-forward: a later run stops it by this pid. */
export interface PortForwardEntry {
  pid: number;
  /** `pod/NAME`: the pid is ours only while its command line still names it. */
  target: string;
}

export const PORT_FORWARD_ENTRY = 'port-forward';

const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/;

function portForwardArgs(target: string): string[] {
  return ['port-forward', '--address', '127.0.0.1', target];
}

/** Whether a command line is a port-forward this module started to `target`. */
export function isPortForwardTo(argv: readonly string[], target: string): boolean {
  const at = argv.indexOf('port-forward');
  return at >= 0 && portForwardArgs(target).every((word, i) => argv[at + i] === word);
}

/** Stops the port-forward a dead session left, by its recorded pid (and only if the pid still runs it). */
export const portForwardRepairer: Repairer<PortForwardEntry> = {
  kind: PORT_FORWARD_ENTRY,
  where: 'host',
  async repair(data, session) {
    if (!data.pid || !(await stopRecordedProcess(data.pid, (argv) => isPortForwardTo(argv, data.target)))) return [];
    return [`stopped the kubectl port-forward ${data.target} (pid ${data.pid}) of an earlier session (pid ${session.pid})`];
  },
};

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
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
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
