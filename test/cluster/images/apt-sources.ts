// The Debian mirror the base image is debootstrapped from: `--mirror` / $TP_CLUSTER_MIRROR, else the
// one the machine's apt already uses (/etc/apt/sources.list, sources.list.d/*.list and deb822 *.sources).
// Parsing and choosing are pure; only readAptSources touches the file system.
import fs from 'node:fs';
import path from 'node:path';

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  enabled: boolean;
  /** file:line of the entry, for messages. */
  where: string;
}

const DEBIAN_SUITES = new Set(['buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid', 'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable']);
/** What debootstrap can fetch from (apt's mirror+, tor+ and cdrom: are apt's own). */
const FETCHABLE = /^(https?|ftp|file):\/\//;

/** `deb [opt=v ...] URI SUITE [COMPONENT...]` lines; comments, blank lines and deb-src lines kept out. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)$/.exec(line);
    if (!m) return;
    out.push({ types: [m[1]], uris: [m[2]], suites: [m[3]], components: m[4].trim().split(/\s+/).filter(Boolean), enabled: true, where: `${file}:${i + 1}` });
  });
  return out;
}

/** deb822 stanzas (Types, URIs, Suites, Components, Enabled), separated by blank lines. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  let fields: Record<string, string> = {};
  let key = '';
  let start = 0;
  const flush = () => {
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    if (Object.keys(fields).length) {
      out.push({ types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components'),
        enabled: !/^(no|false|0)$/i.test((fields.enabled ?? 'yes').trim()), where: `${file}:${start}` });
    }
    fields = {};
    key = '';
  };
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('#')) return;
    if (line.trim() === '') return flush();
    if (/^\s/.test(line)) {
      if (key) fields[key] += ` ${line.trim()}`;
      return;
    }
    const m = /^([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) return;
    if (Object.keys(fields).length === 0) start = i + 1;
    key = m[1].toLowerCase();
    fields[key] = m[2];
  });
  flush();
  return out;
}

/** A Debian archive for `suite`: an enabled `deb` entry with main, an entry naming the suite itself first. */
export function pickDebianMirror(sources: AptSource[], suite = 'bookworm'): string | undefined {
  const candidates = sources.filter((s) => s.enabled && s.types.includes('deb') && s.components.includes('main'));
  const debianUri = (s: AptSource) => s.uris.find((u) => FETCHABLE.test(u));
  const exact = candidates.find((s) => s.suites.includes(suite) && debianUri(s));
  // Any other Debian release's archive also carries `suite`; security and updates archives do not.
  const other = candidates.find((s) => s.suites.some((x) => DEBIAN_SUITES.has(x)) && debianUri(s));
  const chosen = exact ?? other;
  return chosen ? (debianUri(chosen) as string).replace(/\/+$/, '') : undefined;
}

/** Every entry of the machine's apt sources under `root` (the one-line and the deb822 files). */
export function readAptSources(root = '/'): AptSource[] {
  const dir = path.join(root, 'etc/apt/sources.list.d');
  const files = [path.join(root, 'etc/apt/sources.list')];
  if (fs.existsSync(dir)) files.push(...fs.readdirSync(dir).sort().filter((f) => f.endsWith('.list') || f.endsWith('.sources')).map((f) => path.join(dir, f)));
  const out: AptSource[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    out.push(...(file.endsWith('.sources') ? parseDeb822Sources(text, file) : parseOneLineSources(text, file)));
  }
  return out;
}

/** The mirror to use, or an error that says where it looked and how to name one. */
export function debootstrapMirror(opts: { mirror?: string; root?: string; suite?: string } = {}): string {
  const named = opts.mirror ?? process.env.TP_CLUSTER_MIRROR;
  if (named) {
    if (!FETCHABLE.test(named)) throw new Error(`the Debian mirror ${JSON.stringify(named)} is not an http(s)://, ftp:// or file:// URL; pass --mirror URL or set TP_CLUSTER_MIRROR`);
    return named.replace(/\/+$/, '');
  }
  const root = opts.root ?? '/';
  const sources = readAptSources(root);
  const found = pickDebianMirror(sources, opts.suite);
  if (found) return found;
  const seen = sources.filter((s) => s.enabled && s.types.includes('deb')).map((s) => `${s.uris.join(' ')} ${s.suites.join(' ')}`);
  throw new Error(`no Debian mirror for ${opts.suite ?? 'bookworm'} in ${path.join(root, 'etc/apt/sources.list')} or ${path.join(root, 'etc/apt/sources.list.d')}/*.{list,sources}`
    + `${seen.length ? ` (found only: ${seen.join('; ')})` : ''}; pass --mirror URL to \`npm run cluster -- up\` or set TP_CLUSTER_MIRROR`);
}
