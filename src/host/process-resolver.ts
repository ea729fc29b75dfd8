// A resolver of the user process's own (vpn-tcp, teleproxy): the process runs in a private mount
// namespace where /etc/resolv.conf is a bind mount of a file naming this session's DNS server, so its
// look-ups reach its own session whichever session's DNS heads the host's resolver chain. Every other
// process keeps the host's file. Private propagation: the bind mount never shows on the host.
import { accessSync, constants, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runHostCommand } from './command.js';
import { resolvConfSearch } from './resolv-conf.js';

export const PROCESS_RESOLV_MARKER = "# telepresence: the resolver of one session's user process (a bind mount in its own mount namespace)";

/**
 * The user process's resolv.conf: `hostText` (the host's file as this session made it, or systemd-resolved's
 * stub) with its nameservers replaced by `address` and `searchFirst` ahead of its search suffixes; other
 * lines (options, sortlist, comments) stay, telepresence's own comment lines go. Pure.
 */
export function processResolvConf(hostText: string, o: { address: string; pid: number; searchFirst?: readonly string[] }): string {
  const search = [...new Set([...(o.searchFirst ?? []), ...resolvConfSearch(hostText)])];
  const kept = hostText.split('\n').filter((line) => {
    const t = line.trim();
    return t !== '' && !/^(nameserver|search|domain)(\s|$)/.test(t) && !t.startsWith('# telepresence') && !t.startsWith('# (the original');
  });
  return [
    PROCESS_RESOLV_MARKER,
    `# (telepresence pid ${o.pid}; the host's /etc/resolv.conf is not changed by this file)`,
    `nameserver ${o.address}`,
    ...(search.length > 0 ? [`search ${search.join(' ')}`] : []),
    ...kept,
  ].join('\n') + '\n';
}

/** sh, given the file and the command: bind-mounts the file on /etc/resolv.conf, then becomes the command (same pid). */
const BIND_SCRIPT = 'f=$1; shift; mount --bind "$f" /etc/resolv.conf '
  + '|| echo "telepresence: warning: could not bind-mount $f on /etc/resolv.conf: this process uses the host\'s resolver" >&2; exec "$@"';

/** The argv that runs `argv` in a private mount namespace with `file` as its /etc/resolv.conf. Pure. */
export function privateResolverArgv(tools: { unshare: string; sh: string }, file: string, argv: readonly string[]): string[] {
  return [tools.unshare, '--mount', '--propagation', 'private', '--', tools.sh, '-c', BIND_SCRIPT, 'telepresence', file, ...argv];
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `pathVar`, then in `more` (the system directories root uses), or null. */
export function findExecutable(name: string, pathVar: string | undefined, more: readonly string[] = SYSTEM_DIRS): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = [...(pathVar ?? '').split(':'), ...more].filter((d) => d.startsWith('/'));
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable) ?? null;
}

export interface ProcessResolver {
  file: string;
  /** The user process's argv, run with its own resolver; a command not on PATH is left as it is (its own error). */
  wrap(argv: readonly string[], pathVar: string | undefined): string[];
}

export interface ProcessResolverOptions {
  /** The per-session file (under the slot's state directory, /run/telepresence). */
  file: string;
  text: string;
  undo: { push(what: string, fn: () => unknown): void };
  log(line: string): void;
  pathVar?: string;
}

/**
 * Writes the file (its removal on the undo stack; repair removes it with the slot's lock) and proves in a
 * throw-away namespace that the bind mount works. Fails (the caller warns and keeps the host's resolver)
 * when unshare, mount or sh is missing or the mount is refused; then nothing is left.
 */
export async function prepareProcessResolver(o: ProcessResolverOptions): Promise<ProcessResolver> {
  const tools = { unshare: findExecutable('unshare', o.pathVar), sh: findExecutable('sh', o.pathVar), mount: findExecutable('mount', o.pathVar) };
  const missing = Object.entries(tools).filter(([, file]) => file === null).map(([name]) => name);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not found (util-linux)`);
  const found = { unshare: tools.unshare!, sh: tools.sh! };
  writeFileSync(o.file, o.text, { mode: 0o644 });
  const remove = () => rmSync(o.file, { force: true });
  try {
    const probe = await runHostCommand(found.unshare, ['--mount', '--propagation', 'private', '--', found.sh, '-c', 'mount --bind "$1" /etc/resolv.conf && cat /etc/resolv.conf', 'probe', o.file], { timeoutMs: 10_000 });
    if (probe.exitCode !== 0) throw new Error(probe.stderr.trim().split('\n').pop() || `unshare exited ${probe.exitCode}`);
    // (the runner drops the output's last newline)
    if (probe.stdout.trimEnd() !== o.text.trimEnd()) throw new Error('the bind-mounted /etc/resolv.conf did not read back as written');
  } catch (err) {
    remove();
    throw err;
  }
  o.undo.push(`remove the user process's resolv.conf ${o.file}`, remove);
  o.log(`resolver: the user process runs in its own mount namespace with ${o.file} as /etc/resolv.conf`);
  return {
    file: o.file,
    // Not found: spawned as it is, so the session says `--run: command not found` as without the namespace.
    wrap: (argv, pathVar) => (argv.length === 0 || findExecutable(argv[0]!, pathVar, []) === null ? [...argv] : privateResolverArgv(found, o.file, argv)),
  };
}
