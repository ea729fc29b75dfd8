// This workstation's running sessions, one small file each, so that a later run can find and remove
// what a session killed with SIGKILL (or by a power loss) left in the cluster. Only sessions started
// here are ever repaired: objects of other workstations' sessions are never touched.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../host/process.js';

export interface SessionRecord {
  sessionId: string;
  pid: number;
  context: string;
  namespace: string;
  deployment: string;
  started: string;
}

export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'telepresence', 'sessions');
}


export class SessionRegistry {
  constructor(private readonly dir: string) {}

  /** Records a session; returns the function that forgets it. */
  add(record: SessionRecord): () => void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${record.sessionId}.json`);
    writeFileSync(file, JSON.stringify(record) + '\n', { mode: 0o600 });
    return () => rmSync(file, { force: true });
  }

  /** Sessions whose process is gone without having cleaned up. */
  dead(): { record: SessionRecord; forget: () => void }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: { record: SessionRecord; forget: () => void }[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      try {
        const record = JSON.parse(readFileSync(file, 'utf8')) as SessionRecord;
        if (!isProcessAlive(record.pid)) out.push({ record, forget: () => rmSync(file, { force: true }) });
      } catch {
        rmSync(file, { force: true }); // a torn write of a session that died while starting
      }
    }
    return out;
  }
}
