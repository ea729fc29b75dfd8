// What a restart of the API server process keeps, as a real one keeps it in etcd: the store's objects and
// resourceVersion counter and the tokens it issued, written to DIR/apiserver.snapshot.json when the process
// is told to stop and read back (then removed) by the next one. A crash writes none: the next start is fresh.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Identity } from './auth.js';
import type { StoreSnapshot } from './store.js';

export const SNAPSHOT_FILE = 'apiserver.snapshot.json';
const FORMAT = 1;

export interface ApiServerSnapshot {
  format: typeof FORMAT;
  /** When it was written (ms since the epoch): for the start-up log line. */
  writtenAt: number;
  store: StoreSnapshot;
  tokens: [string, Identity][];
}

export function snapshotPath(dir: string): string {
  return join(dir, SNAPSHOT_FILE);
}

/** Written whole to a temporary name and renamed: a reader never sees half of one. */
export async function writeSnapshot(dir: string, snapshot: Omit<ApiServerSnapshot, 'format' | 'writtenAt'>): Promise<string> {
  const file = snapshotPath(dir);
  const text = JSON.stringify({ format: FORMAT, writtenAt: Date.now(), ...snapshot } satisfies ApiServerSnapshot);
  await writeFile(`${file}.tmp`, text, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return file;
}

/** The snapshot a stopped instance left, removed once read (so only the very next start restores it). */
export async function takeSnapshot(dir: string): Promise<ApiServerSnapshot | undefined> {
  const file = snapshotPath(dir);
  if (!existsSync(file)) return undefined;
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as ApiServerSnapshot;
  if (snapshot.format !== FORMAT) throw new Error(`${file}: snapshot format ${String(snapshot.format)}, this API server reads ${FORMAT}; remove the file to start empty`);
  await rm(file);
  return snapshot;
}
