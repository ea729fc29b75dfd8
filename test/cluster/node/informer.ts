// Keeps a local copy of one resource list up to date: list, then watch from its resourceVersion,
// and start over (after a short pause) whenever the watch ends or fails.
import { type KubeClient, type KubeObject, objectKey } from './kube-client.js';

export type InformerListener<T> = (type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC', obj: T | undefined) => void;

export class Informer<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private stopped = false;
  private current?: { stop(): void };
  private synced?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string, // e.g. /api/v1/services or /api/v1/pods?fieldSelector=...
    private readonly listener: InformerListener<T>,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Resolves after the first list. */
  start(): Promise<void> {
    this.synced ??= this.cycle();
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.current?.stop();
  }

  private async cycle(): Promise<void> {
    const list = await this.client.request<{ items: T[]; metadata: { resourceVersion: string } }>('GET', this.path);
    this.items.clear();
    for (const item of list.items) this.items.set(objectKey(item), item);
    this.listener('SYNC', undefined);
    const sep = this.path.includes('?') ? '&' : '?';
    this.current = this.client.watch<T>(
      `${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`,
      (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') this.items.set(objectKey(e.object), e.object);
        else if (e.type === 'DELETED') this.items.delete(objectKey(e.object));
        else return; // BOOKMARK; ERROR (e.g. 410 Gone) ends the stream and we re-list
        this.listener(e.type, e.object);
      },
      (err) => {
        if (this.stopped) return;
        if (err) this.log(`watch ${this.path} ended: ${err.message}`);
        setTimeout(() => this.restart(), 500);
      },
    );
  }

  private restart(): void {
    if (this.stopped) return;
    this.cycle().catch((err: Error) => {
      this.log(`list ${this.path} failed: ${err.message}`);
      setTimeout(() => this.restart(), 1000);
    });
  }
}
