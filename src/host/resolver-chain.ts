// The resolver chain of several sessions on one workstation (resolv.conf form). Each session's backup
// (resolver-resolvconf.ts) holds the file it replaced (`original`) and the file it wrote (`written`);
// a session started while another runs replaces that one's file, so its backup's original IS the
// other's written text: the backups link up by that equality, newest (the one resolv.conf names) on
// top. A session forwards names it does not own to the nameservers of its original (its upstream):
// the previous session's DNS, at the bottom the original resolver. Ending:
// - on top: it writes back its original, skipping sessions below that died (their DNS is gone);
// - below another: it leaves resolv.conf alone and hands its original to the session above (that
//   one's backup now holds it, so its upstream and, when it ends, what it restores, skip the ender).
// A SIGKILLed session's repair (next run) does the same; until then the sessions above skip it when
// they forward (upstreamOf). Pure functions here, plus the small file lock that serialises changes.
import { constants } from 'node:fs';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pause } from '../deadline.js';
import { HostError } from '../errors.js';
import { currentBootIdSync, isProcessAlive } from './process.js';
import { resolvConfNameservers, type Nameserver } from './resolv-conf.js';

/** One session's link of the chain: what its backup holds (ResolvConfBackup's fields that matter here). */
export interface ChainLink {
  /** The backup file (one per host slot). */
  state: string;
  path: string;
  original: { content: string };
  written: string;
  pid: number;
  bootId: string;
}

/** A link is live while its pid runs in the boot it was written in. */
export type LinkLiveness = (link: ChainLink) => boolean;

export const isLinkLive: LinkLiveness = (link) => link.bootId === currentBootIdSync() && isProcessAlive(link.pid);

/** The link that wrote `content` (the one below a link whose original is `content`); one written text per live link. */
export function linkThatWrote<L extends ChainLink>(content: string, links: readonly L[], file: string, except?: ChainLink): L | undefined {
  return links.find((l) => l !== except && l.state !== except?.state && l.path === file && l.written === content);
}

/** The link above `link`: the one whose original is what `link` wrote. */
export function linkAbove<L extends ChainLink>(link: ChainLink, links: readonly L[]): L | undefined {
  return links.find((l) => l.state !== link.state && l.path === link.path && l.original.content === link.written);
}

/**
 * The text `link` should put back when it ends on top, or hand to the link above: its original, or
 * past the dead links below it, the original of the first live one's... (a dead link's DNS is gone).
 */
export function effectiveOriginal<L extends ChainLink>(link: L, links: readonly L[], live: LinkLiveness): L['original'] {
  let original = link.original;
  const seen = new Set([link.state]);
  for (;;) {
    const below = linkThatWrote(original.content, links, link.path, link);
    if (below === undefined || seen.has(below.state) || live(below)) return original;
    seen.add(below.state);
    original = below.original;
  }
}

/** The nameservers a link forwards to: its effective original's, minus its own address. */
export function upstreamOf(link: ChainLink, links: readonly ChainLink[], live: LinkLiveness, own?: string): Nameserver[] {
  const servers = resolvConfNameservers(effectiveOriginal(link, links, live).content);
  return servers.filter((s) => s.host !== own);
}

/** The backups beside `state` (same directory, resolver-backup*.json), unreadable ones left out. */
export async function readChain(state: string): Promise<ChainLink[]> {
  const dir = path.dirname(state);
  const names = await readdir(dir).catch(() => [] as string[]);
  const links: ChainLink[] = [];
  for (const name of names.filter((n) => /^resolver-backup(\.\d+)?\.json$/.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      const backup = JSON.parse(await readFile(file, 'utf8')) as Omit<ChainLink, 'state'>;
      if (typeof backup.written === 'string' && typeof backup.original?.content === 'string') links.push({ ...backup, state: file });
    } catch {
      // half-written by no release (writes are renames) or not ours: not part of the chain
    }
  }
  return links;
}

/**
 * Runs `fn` holding `file` (created exclusively, holding our pid): changes of the chain by several
 * sessions must not interleave. A lock whose holder died is taken over; waits at most `timeoutMs`.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder > 0 && !isProcessAlive(holder)) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new HostError(`the lock ${file} is held by pid ${holder || '?'} for more than ${timeoutMs} ms: end that telepresence, or remove the file if no telepresence runs`, { value: file });
      }
      await pause(25);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
