// A connection to the proxy pod that outlives its legs: when the port-forward exits or the SSH connection
// is lost, a new port-forward and a new SSH connection (same session key; the pod's pinned host key, or a
// replacement pod's own) replace them, with a back-off, until timeouts.reconnect. One tunnel object throughout.
import { pause } from '../deadline.js';
import { ClusterError, HostKeyMismatchError } from '../errors.js';
import type { RemoteForward, SshTunnel } from './ssh.js';

/** What the session's parts use of the connection; the same object for the connection's whole life. */
export type ProxyTunnel = Pick<SshTunnel, 'openStream' | 'exec' | 'forwardIn' | 'openSubsystem'>;

/** Which pod the new SSH connection reached: the same as before, or the one that replaced it. */
export interface ReconnectEvent {
  pod: string;
  previousPod: string;
}

/** Work to do again on a new SSH connection (remote forwards, sshfs); a failure is logged, not fatal. */
export type ReconnectListener = (event: ReconnectEvent) => void | Promise<void>;

/** One port-forward and the SSH connection through it. */
export interface ConnectionLeg {
  tunnel: SshTunnel;
  /** kubectl's pid (tests and the journal find the process by it). */
  pid: number;
  /** The pod it reaches (a replacement pod after the first was deleted); unset: the same throughout. */
  pod?: string;
  /** Resolves with the reason when either half is lost. */
  lost: Promise<string>;
  close(): void;
}

export interface ReconnectOptions {
  /** Opens a new leg; `deadline` (ms since the epoch) bounds its waiting, `signal` aborts it (close()). */
  connect(deadline: number, signal: AbortSignal): Promise<ConnectionLeg>;
  /** Give up this long after the loss. */
  reconnectMs: number;
  progress?: (line: string) => void;
  log?: (line: string) => void;
  /** The first pause between attempts, doubling up to 2 s (default 250 ms). */
  retryMs?: number;
}

const MAX_RETRY_MS = 2000;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class ReconnectingConnection {
  readonly tunnel: ProxyTunnel;
  readonly lost: Promise<string | Error>;
  private current: ConnectionLeg | null;
  /** Why the current leg went, while a new one is being opened. */
  private lostReason = '';
  private closed = false;
  private readonly closing = new AbortController();
  private giveUp: (why: string | Error) => void = () => undefined;
  private readonly listeners = new Set<ReconnectListener>();
  /** The reconnect loop, while it runs (close() waits for it, so no port-forward outlives the session). */
  private reconnecting: Promise<void> | null = null;
  private readonly progress: (line: string) => void;
  private readonly log: (line: string) => void;
  /** The pod of the last leg that connected. */
  private pod: string;

  constructor(first: ConnectionLeg, private readonly o: ReconnectOptions) {
    this.current = first;
    this.pod = first.pod ?? '';
    this.progress = o.progress ?? (() => undefined);
    this.log = o.log ?? (() => undefined);
    this.lost = new Promise((resolve) => { this.giveUp = resolve; });
    this.watch(first);
    this.tunnel = {
      // async: while reconnecting, the failure is a rejection like any other stream's.
      openStream: async (host, port) => this.leg(`a stream to ${host}:${port}`).openStream(host, port),
      exec: async (command) => this.leg(`\`${command}\``).exec(command),
      openSubsystem: async (name) => this.leg(`the ${name} subsystem`).openSubsystem(name),
      forwardIn: async (bindAddr, port, onConnection): Promise<RemoteForward> => this.leg(`a listener on ${bindAddr}:${port}`).forwardIn(bindAddr, port, onConnection),
    } satisfies ProxyTunnel;
  }

  /** kubectl port-forward's pid of the current leg, or null while reconnecting. */
  get portForwardPid(): number | null {
    return this.current?.pid ?? null;
  }

  onReconnected(listener: ReconnectListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    this.current?.close();
    this.current = null;
    await this.reconnecting;
  }

  /** The current SSH connection; while there is none, what needs it fails at once. */
  private leg(what: string): SshTunnel {
    if (this.current) return this.current.tunnel;
    throw new ClusterError(`cannot open ${what} in the proxy pod: the connection to it was lost (${this.lostReason}) and is being re-established`);
  }

  private watch(leg: ConnectionLeg): void {
    void leg.lost.then((reason) => {
      if (this.closed || this.current !== leg) return;
      this.current = null;
      leg.close();
      this.lostReason = reason;
      this.progress(`Lost the connection to the proxy pod (${reason}); reconnecting...`);
      this.reconnecting = this.reconnect(reason).finally(() => { this.reconnecting = null; });
    });
  }

  private async reconnect(reason: string): Promise<void> {
    const started = Date.now();
    const deadline = started + this.o.reconnectMs;
    let delay = this.o.retryMs ?? 250;
    let lastError = reason;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const leg = await this.o.connect(deadline, this.closing.signal);
        if (this.closed) return leg.close();
        this.current = leg;
        this.watch(leg);
        const took = Date.now() - started;
        const event = { pod: leg.pod ?? this.pod, previousPod: this.pod };
        this.pod = event.pod;
        this.log(`reconnected to the proxy pod${event.pod ? ` ${event.pod}` : ''} after ${attempt} attempt${attempt === 1 ? '' : 's'} (kubectl port-forward pid ${leg.pid})`);
        this.progress(event.pod === event.previousPod ? `Reconnected to the proxy pod in ${seconds(took)}`
          : `Reconnected to the proxy pod ${event.pod} (in place of ${event.previousPod}) in ${seconds(took)}`);
        await this.restore(event);
        return;
      } catch (err) {
        // Another host key will not become the pod's on a later try.
        if (err instanceof HostKeyMismatchError) return this.giveUp(err);
        lastError = err instanceof Error ? err.message : String(err);
        this.log(`reconnect attempt ${attempt} failed: ${lastError}`);
      }
      if (Date.now() >= deadline) {
        return this.giveUp(`could not reconnect within ${seconds(this.o.reconnectMs)} (timeouts.reconnect; ${attempt} attempt${attempt === 1 ? '' : 's'}): ${lastError}`);
      }
      await pause(Math.min(delay, deadline - Date.now()), this.closing.signal);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  /** Each listener once, all at once (the remount need not delay the forwards); one's failure does not stop the others. */
  private async restore(event: ReconnectEvent): Promise<void> {
    await Promise.all([...this.listeners].map(async (listener) => {
      try {
        await listener(event);
      } catch (err) {
        this.log(`after the reconnect: ${err instanceof Error ? err.message : String(err)}`);
      }
    }));
  }
}
