// Supervises `kubectl port-forward` to the proxy pod: it picks a free workstation port on 127.0.0.1,
// reports it once kubectl says "Forwarding from", and reports kubectl's exit as a lost connection.
// kubectl runs through the host command runner, which logs its start (with the pid) and its exit.
import { EventEmitter } from 'node:events';
import type { Repairer } from '../changes.js';
import { ClusterError } from '../errors.js';
import { startHostCommand, type RunningCommand } from '../host/command.js';
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

  /** kubectl's process id: the session journal records it, so a later run can stop this very process. */
  readonly pid: number;

  private constructor(private readonly child: RunningCommand, readonly workstationPort: number, stderr: () => string) {
    super();
    this.pid = child.pid;
    void child.exited.then(() => this.exited(stderr()));
  }

  private exited(stderr: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.emit('exit', stderr.trim());
  }

  /** kubectl not installed: a HostError; kubectl exits or stays silent before forwarding: a ClusterError. */
  static async start(opts: PortForwardOptions): Promise<PortForward> {
    const child = await startHostCommand(opts.kubectl ?? 'kubectl', [...opts.clusterArgs, ...portForwardArgs(opts.target), `:${opts.podPort}`]);
    opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no answer within ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
      let forwarding = false;
      const fail = (why: string) => {
        clearTimeout(timer);
        if (forwarding) return; // a later exit is the PortForward's 'exit' event
        child.kill();
        reject(new ClusterError(`kubectl port-forward ${opts.target} failed: ${why}`));
      };
      child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = FORWARDING.exec(stdout);
        if (m && !forwarding) {
          forwarding = true;
          clearTimeout(timer);
          resolve(new PortForward(child, Number(m[1]), () => stderr));
        }
      });
      void child.exited.then(() => fail(stderr.trim() || 'kubectl exited'));
    });
  }

  stop(): void {
    this.stopped = true;
    this.child.kill('SIGTERM');
  }
}
