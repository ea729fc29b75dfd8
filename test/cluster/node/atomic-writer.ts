// The kubelet's AtomicWriter layout for configMap, secret, downwardAPI and projected volumes: the files
// live in a timestamped directory `..2026_01_02_03_04_05.NNNN`, `..data` points at it, and each top-level
// name is a symlink into `..data`. A rewrite makes a new directory and swaps `..data` with one rename,
// so a reader inside the container never sees half of an update.
import fs from 'node:fs';
import path from 'node:path';

export interface VolumeFile {
  data: Buffer;
  mode: number;
}

const DATA = '..data';

function timestamped(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** A relative path inside the volume, refusing what would escape it (the API server's own rule). */
export function safeVolumePath(p: string): string | undefined {
  if (!p || path.isAbsolute(p) || p.split('/').some((part) => part === '..') || p.startsWith('..')) return undefined;
  return path.normalize(p);
}

/** Writes `files` (relative path -> content) into `dir` in the kubelet's layout, replacing an earlier set. */
export function writeAtomic(dir: string, files: ReadonlyMap<string, VolumeFile>, now = new Date()): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
  fs.chmodSync(dir, 0o777);
  const version = fs.mkdtempSync(path.join(dir, timestamped(now)));
  fs.chmodSync(version, 0o755);
  const tops = new Set<string>();
  for (const [rel, f] of files) {
    const file = path.join(version, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, f.data, { mode: f.mode });
    fs.chmodSync(file, f.mode);
    tops.add(rel.split('/')[0]!);
  }
  const previous = readLink(path.join(dir, DATA));
  const tmp = path.join(dir, '..data_tmp');
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(path.basename(version), tmp);
  fs.renameSync(tmp, path.join(dir, DATA));
  for (const top of tops) {
    const link = path.join(dir, top);
    if (readLink(link) !== path.join(DATA, top)) {
      fs.rmSync(link, { force: true, recursive: true });
      fs.symlinkSync(path.join(DATA, top), link);
    }
  }
  // Names the new set no longer has, and the old version directory, go.
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith('..') && !tops.has(name)) fs.rmSync(path.join(dir, name), { force: true, recursive: true });
  }
  if (previous && previous !== path.basename(version)) fs.rmSync(path.join(dir, previous), { force: true, recursive: true });
}

function readLink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}
