// What every step of a run shares: the resolved request, where to write, the undo stack, the signals,
// and the parts it talks to (SessionDeps: the real cluster and tunnel, or fakes in unit tests).
import type { ChangeJournal, Repairer } from '../changes.js';
import type { Config, MethodName, SessionOptions } from '../config/index.js';
import type { MissingPiece } from '../engine/mount.js';
import type { HostRoute } from '../engine/types.js';
import type { MountFailure, MountOptions, PodMount, SftpOpener } from '../inbound/mount.js';
import type { Cluster, ClusterTargetOptions } from '../kube/index.js';
import type { Log } from '../log.js';
import type { ConnectTimeouts, ProxyConnection } from '../tunnel/connect.js';
import type { SessionKey } from '../tunnel/session-key.js';
import type { Method, UserProcessLaunch } from '../../methods/method.js';
import type { SessionSignals } from './signals.js';
import type { UndoStack } from './undo.js';

/** The terminal: the CLI's Io. */
export interface Terminal {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The tunnel to the proxy pod as the session uses it. */
export interface PodConnection {
  /** One object for the whole session: across a reconnect it uses the new SSH connection. */
  tunnel: ProxyConnection['tunnel'];
  /** Resolves when the connection is lost for good, after timeouts.reconnect (never after close()). */
  lost: ProxyConnection['lost'];
  /** For what must be set up again on a new SSH connection (remote forwards, sshfs); returns the removal. */
  onReconnected: ProxyConnection['onReconnected'];
  close(): void | Promise<void>;
}

export interface RunningUserProcess {
  readonly exited: Promise<number>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number>;
}

export interface SessionDeps {
  openCluster(opts: ClusterTargetOptions & { log?: (line: string) => void }): Promise<Cluster>;
  connect(cluster: Cluster, podName: string, key: SessionKey, timeouts: ConnectTimeouts, journal: ChangeJournal): Promise<PodConnection>;
  methodFor(name: MethodName): Method;
  startUserProcess(launch: UserProcessLaunch): Promise<RunningUserProcess>;
  generateKey(sessionId: string): SessionKey;
  /** sshfs on this workstation: what it lacks, and mounting the pod's root over an sftp channel. */
  volumes: {
    missing(env: NodeJS.ProcessEnv, isRoot: boolean): MissingPiece | null;
    mount(tunnel: SftpOpener, o: MountOptions): Promise<PodMount | MountFailure>;
  };
  /** Where this workstation keeps its session journals. */
  journalDir: string;
  /** Repairers of the journal kinds that live on the host (the cluster brings its own). */
  hostRepairers: readonly Repairer<never>[];
  /** The workstation's routes, for local cluster detection (default: the live table). */
  readRoutes?: () => Promise<HostRoute[]>;
}

export interface Session {
  readonly options: SessionOptions;
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly terminal: Terminal;
  readonly deps: SessionDeps;
  readonly log: Log;
  readonly undo: UndoStack;
  readonly signals: SessionSignals;
  /** `T: line` on the terminal, and in the log. */
  progress(line: string): void;
  /** A line the user must see (no `T: `), and in the log. */
  warn(line: string): void;
}
