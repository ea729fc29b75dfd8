// How any layer registers a change to the host or the cluster (pure types, imported by every layer):
// its undo, pushed the moment the change is made, and — for what must survive a SIGKILL — a journal
// entry written before the change is made, settled once its undo has run.

export type UndoStep = () => Promise<void> | void;

/** The session's undo stack as a layer sees it: teardown runs every step, last first. */
export interface UndoRegistry {
  push(name: string, undo: UndoStep): void;
}

/** One change in the journal: a kind with the data its repairer needs. */
export interface JournalEntry<D = unknown> {
  readonly kind: string;
  readonly data: D;
}

export interface JournalHandle<D = unknown> {
  /** Rewrites the entry's data (e.g. a pid known only once the process runs). */
  update(data: D): void;
  /** The change is undone: a later run has nothing to repair for it. */
  settle(): void;
  /** `undo`, then settle — only when `undo` succeeded, so that a failed undo is repaired later. */
  settleAfter(undo: UndoStep): UndoStep;
}

/** What `telepresence status` shows of a running session, told by the layer that learns it. */
export interface SessionNote {
  /** The CIDRs routed to the session's TUN (in the container's namespace for the container method). */
  readonly routes?: readonly string[];
  /** The container method: the user's container, the only one that gets the routes. */
  readonly container?: string;
}

/** What must survive a SIGKILL: written durably before the change is made. */
export interface ChangeJournal {
  record<D>(kind: string, data: D): JournalHandle<D>;
  /** Adds to the session's description (no change, nothing to repair); optional, so that fakes need not keep it. */
  note?(facts: SessionNote): void;
}

/** For code run outside a session (tests, `plan`): nothing is recorded. */
export const NO_JOURNAL: ChangeJournal = {
  record: () => ({ update: () => undefined, settle: () => undefined, settleAfter: (undo) => undo }),
};

/** The dead session whose entry is being repaired, for the messages. */
export interface DeadSessionInfo {
  readonly sessionId: string;
  readonly pid: number;
  readonly started: string;
}

/** Repairs the entries of one kind that a dead session left; one per kind. */
export interface Repairer<D = unknown> {
  readonly kind: string;
  /** Where the change was: host repairs are told as warnings, cluster ones as progress lines. */
  readonly where: 'host' | 'cluster';
  /** Undoes what the entry describes, saying what it did ([]: nothing was left); null: not from here (kept). */
  repair(data: D, session: DeadSessionInfo): Promise<string[] | null>;
}
