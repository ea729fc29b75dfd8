// One API path listed, then watched from the list's resourceVersion, for as long as the session runs:
// a dropped watch resumes from the last resourceVersion seen, 410 Gone (or any other ERROR event) lists
// again, failures retry after a doubling pause. Events reach the handlers as they arrive, one by one.
import { apiFailure } from './api-errors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Listed<T> { items: T[]; metadata?: { resourceVersion?: string } }

export interface ListWatchSource<T> {
  /** For log lines: `services`, `pods in team-a`. */
  what: string;
  /** The watch path, e.g. `/api/v1/services`, `/api/v1/namespaces/team-a/pods`. */
  path: string;
  list(): Promise<Listed<T>>;
}

export interface ListWatchHandlers<T> {
  /** A list (the first or a relist): these are all the objects there are now. */
  listed(items: T[]): void;
  event(type: WatchEventType, obj: T): void;
}

/** client-node's Watch, as far as used here (tests give a fake). */
export interface WatchStream {
  watch(path: string, query: Record<string, unknown>, onEvent: (type: string, obj: unknown) => void,
    onDone: (err: unknown) => void): Promise<{ abort(): void }>;
}

export interface ListWatchTiming {
  /** Pause before the first retry after a failure; doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** The server ends each watch after this long and the next goes on from its resourceVersion. */
  watchTimeoutSeconds?: number;
}

/** Forbidden at the first list: the caller picks another way (per-namespace lists). */
export class ListForbidden extends Error {}

/** The text of a watch that failed: client-node's Watch puts the HTTP status on `statusCode`. */
function watchFailure(err: unknown): { code?: number; message: string } {
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number') return { code: statusCode, message: `HTTP ${statusCode} ${(err as Error).message}` };
  return apiFailure(err);
}

export class ListWatcher<T extends { metadata?: { resourceVersion?: string } }> {
  /** Resolves after the first list reached the handlers; rejects with ListForbidden on a 403 there (and stops). */
  readonly firstList: Promise<void>;
  /** The last failure, for the caller's message when the first list does not come. */
  lastFailure: string | undefined;
  private resolveFirst!: () => void;
  private rejectFirst!: (err: Error) => void;
  private listedOnce = false;
  private stopped = false;
  private controller: { abort(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  /** Which watch is the current one: an older one may report late. */
  private generation = 0;

  constructor(
    private readonly source: ListWatchSource<T>,
    private readonly handlers: ListWatchHandlers<T>,
    private readonly stream: WatchStream,
    private readonly log: (line: string) => void,
    private readonly timing: ListWatchTiming = {},
  ) {
    this.delay = this.retryMs;
    this.firstList = new Promise<void>((resolve, reject) => { this.resolveFirst = resolve; this.rejectFirst = reject; });
    this.firstList.catch(() => undefined); // the caller may stop waiting before it settles
    void this.relist();
  }

  private get retryMs(): number { return this.timing.retryDelayMs ?? 1000; }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = undefined;
  }

  private later(what: () => void, ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(what, ms);
    this.timer.unref();
  }

  /** Schedules `what` after the current pause and doubles the pause; returns the pause in seconds. */
  private backoff(what: () => void): number {
    const ms = this.delay;
    this.later(what, ms);
    this.delay = Math.min(this.delay * 2, this.timing.maxRetryDelayMs ?? 30_000);
    return ms / 1000;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let result: Listed<T>;
    try {
      result = await this.source.list();
    } catch (err) {
      if (this.stopped) return;
      const f = apiFailure(err);
      this.lastFailure = f.message;
      if (!this.listedOnce && f.code === 403) {
        this.stop();
        this.rejectFirst(new ListForbidden(f.message));
        return;
      }
      this.log(`${this.source.what}: cannot list them: ${f.message}; listing them again in ${this.backoff(() => void this.relist())} s`);
      return;
    }
    if (this.stopped) return;
    this.handlers.listed(result.items);
    this.listedOnce = true;
    this.lastFailure = undefined;
    this.resolveFirst();
    this.watchFrom(result.metadata?.resourceVersion ?? '');
  }

  private watchFrom(rv: string): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    const started = Date.now();
    let events = 0;
    let ended: { code?: number; message: string } | undefined;
    const onEvent = (type: string, raw: unknown) => {
      if (gen !== this.generation) return;
      const obj = raw as T & { code?: number; message?: string };
      if (type === 'ERROR') {
        ended = { code: obj?.code, message: obj?.message ?? 'an error' };
        return;
      }
      if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
      events++;
      this.delay = this.retryMs;
      if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.handlers.event(type, obj);
    };
    const onDone = (err: unknown) => {
      if (this.stopped || gen !== this.generation) return;
      this.controller = undefined;
      const failure = err ? watchFailure(err) : undefined;
      if (ended?.code === 410 || failure?.code === 410) {
        // Our resourceVersion is older than the server's history: only a new list catches up.
        this.log(`${this.source.what}: resourceVersion ${rv} is too old (410 Gone); listing them again`);
        void this.relist();
      } else if (ended) {
        this.lastFailure = ended.message;
        this.log(`${this.source.what}: the watch ended with ${ended.message}; listing them again in ${this.backoff(() => void this.relist())} s`);
      } else if (failure && (err as { name?: string }).name !== 'TimeoutError') {
        this.lastFailure = failure.message;
        const s = this.backoff(() => this.watchFrom(rv));
        this.log(`${this.source.what}: the watch broke: ${failure.message}; watching again from resourceVersion ${rv} in ${s} s`);
      } else if (events === 0 && Date.now() - started < 1000) {
        // A server that ends every watch at once: do not spin.
        this.backoff(() => this.watchFrom(rv));
      } else {
        // The server's timeoutSeconds (or client-node's idle abort): go on at once, where it stopped.
        this.watchFrom(rv);
      }
    };
    const query = { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: this.timing.watchTimeoutSeconds ?? 25 };
    this.stream.watch(this.source.path, query, onEvent, onDone).then((controller) => {
      if (this.stopped || gen !== this.generation) controller.abort();
      else this.controller = controller;
    }, onDone);
  }
}
