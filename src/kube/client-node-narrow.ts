// Writes a narrow copy of @kubernetes/client-node into dist/vendor (run by `npm run build`): the package's own
// files with only the API groups this project calls and its ~760 model modules merged into one. Loading the
// whole package costs a session ~65 MB of RSS (25 MB of generated source and ~1,000 module records).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The API classes kept: what src/, methods/ and test/ use, and what the package's own files import
 * (portforward.js: CoreV1Api, AppsV1Api). Any other `*Api` of the package is left out of the copy.
 */
export const KEPT_APIS = ['CoreV1Api', 'AppsV1Api', 'CoordinationV1Api', 'DiscoveryV1Api'] as const;
export type KeptApi = (typeof KEPT_APIS)[number];

/** The copy's entry, relative to the output folder: the package's layout, one module a file. */
export const COPY_ENTRY = 'dist/index.js';
/**
 * What the product loads: the copy bundled into one CommonJS module by `npm run build` (scripts/bundle.js), which
 * loads in about half the time of the copy's ~250 modules and holds ~4 MB less, and V8's code cache of it
 * (code-cache.ts: ~100 ms less compiling at every session's start).
 */
export const NARROW_ENTRY = 'index.cjs';
export const NARROW_CODE_CACHE = 'index.cjs.cache';

const HEADER = /^\/\*\*\n \* Kubernetes\n[\s\S]*?Do not edit the class manually\.\n \*\/\n/;
const SOURCE_MAP = /^\/\/# sourceMappingURL=.*$/m;

/** Copies the package at `pkgDir` to `outDir` (replaced whole), narrowed; returns the entry's path. */
export function writeNarrowClientNode(pkgDir: string, outDir: string): string {
  const src = path.join(pkgDir, 'dist');
  const dst = path.join(outDir, 'dist');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(dst, { recursive: true });
  // config.js imports '../package.json' (its version goes into the User-Agent).
  fs.copyFileSync(path.join(pkgDir, 'package.json'), path.join(outDir, 'package.json'));
  // Its own node_modules (undici 7 through the overrides) must win over the project's, as for the package.
  const own = path.join(pkgDir, 'node_modules');
  if (fs.existsSync(own)) fs.symlinkSync(fs.realpathSync(own), path.join(outDir, 'node_modules'));
  const stripped: string[] = [];
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dst, rel)), { recursive: true });
    fs.writeFileSync(path.join(dst, rel), text.replace(SOURCE_MAP, ''));
  };
  for (const rel of jsFiles(src)) {
    const dir = path.dirname(rel);
    const base = path.basename(rel, '.js');
    if (dir === 'gen/models') continue;
    if (dir === 'gen/apis' && base.endsWith('Api') && !keptName(base)) continue;
    const wrapper = dir === 'gen/types' && /^(Observable|Promise|ObjectParam)API$/.test(base);
    if (wrapper || (dir === 'gen/apis' && base.endsWith('Api'))) {
      write(rel, stripComments(wrapper ? narrowClasses(read(src, rel)) : read(src, rel)));
      stripped.push(rel);
    } else if (rel === 'gen/index.js') write(rel, narrowIndex(read(src, rel)));
    else write(rel, read(src, rel));
  }
  writeModels(src, write);
  for (const rel of stripped) checkSyntax(path.join(dst, rel));
  return path.join(outDir, COPY_ENTRY);
}

/**
 * The generated API files without their whole-line comments (two thirds of their text, kept in memory as
 * the module's source). Only in files with no template literal, where no line can start inside a string.
 */
function stripComments(text: string): string {
  if (text.includes('`')) return text;
  return text.replace(/^[ \t]*\/\*(?:[^*]|\*(?!\/))*\*\/[ \t]*\n/gm, '').replace(/^[ \t]*\/\/[^\n]*\n/gm, '');
}

/** `node --check`: a file whose comments were taken out must still parse. */
function checkSyntax(file: string): void {
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`client-node narrow copy: ${file} does not parse: ${r.stderr}`);
}

const keptName = (name: string): boolean => (KEPT_APIS as readonly string[]).includes(name);
const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');

function jsFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return jsFiles(dir, r);
    return e.name.endsWith('.js') ? [r] : [];
  });
}

/**
 * The models in one module `_merged.js` (each model file is one class and has no imports), ObjectSerializer
 * importing them from there, and for each model a one-line module of its old name, so that every import
 * of the package still finds what it imported and the same class objects.
 */
function writeModels(src: string, write: (rel: string, text: string) => void): void {
  const all = read(src, 'gen/models/all.js');
  const names = [...all.matchAll(/^export \* from '\.\.\/models\/(\w+)\.js';$/gm)].map((m) => m[1]);
  if (names.length < 100) throw new Error(`client-node narrow copy: gen/models/all.js lists ${names.length} models; its format changed`);
  const merged = names.map((name) => {
    const text = read(src, `gen/models/${name}.js`).replace(HEADER, '').replace(SOURCE_MAP, '');
    if (/^import /m.test(text) || (text.match(/^export /gm) ?? []).length !== 1 || !text.includes(`export class ${name} `)) {
      throw new Error(`client-node narrow copy: gen/models/${name}.js is not one class without imports; its format changed`);
    }
    return text;
  });
  write('gen/models/_merged.js', merged.join('\n'));
  for (const name of names) write(`gen/models/${name}.js`, `export { ${name} } from './_merged.js';\n`);
  write('gen/models/all.js', "export * from './_merged.js';\n");
  const serializer = read(src, 'gen/models/ObjectSerializer.js');
  const body = serializer.replace(/^export \* from '\.\.\/models\/\w+\.js';\n/gm, '').replace(/^import \{ \w+ \} from '\.\.\/models\/\w+\.js';\n/gm, '');
  if (/from '\.\.\/models\//.test(body)) throw new Error('client-node narrow copy: ObjectSerializer.js imports models in a way not known here');
  write('gen/models/ObjectSerializer.js', `export * from './_merged.js';\nimport { ${names.join(', ')} } from './_merged.js';\n${body}`);
}

/**
 * One of the three generated wrapper files, with the classes of the kept APIs only. Each class follows the
 * import lines it needs (`import { CoreV1ApiRequestFactory, ... }` or `import { ObservableCoreV1Api }`);
 * the file's other imports come first and stay.
 */
function narrowClasses(text: string): string {
  const out: string[] = [];
  let keep = true;
  let header = true;
  for (const line of text.split('\n')) {
    const imported = /^import \{ (Observable)?(\w+?Api)(RequestFactory)?\b/.exec(line);
    if (imported && (imported[1] || imported[3])) {
      header = false;
      keep = keptName(imported[2]);
    } else if (!header && line.startsWith('import ')) {
      throw new Error(`client-node narrow copy: an import line not known here: ${line}`);
    }
    const cls = /^export class (Observable|Promise|Object)(\w+Api) /.exec(line);
    if (cls && keptName(cls[2]) !== keep) throw new Error(`client-node narrow copy: class ${cls[1]}${cls[2]} not after its imports`);
    if (keep) out.push(line);
  }
  return out.join('\n');
}

/** gen/index.js's export of the API classes, with the kept ones only. */
function narrowIndex(text: string): string {
  const re = /^export \{ (.*) \} from '\.\/types\/ObjectParamAPI\.js';$/m;
  const m = re.exec(text);
  if (!m) throw new Error('client-node narrow copy: gen/index.js does not export ObjectParamAPI as known here');
  const kept = m[1].split(', ').filter((e) => keptName(e.split(' as ')[1]));
  if (kept.length !== KEPT_APIS.length) throw new Error(`client-node narrow copy: gen/index.js exports ${kept.length} of the kept APIs, not ${KEPT_APIS.length}`);
  return text.replace(re, `export { ${kept.join(', ')} } from './types/ObjectParamAPI.js';`);
}

/** Where `npm run build` puts the copy: dist/vendor/client-node (this file is dist/src/kube/). */
export function narrowDir(): string {
  return fileURLToPath(new URL('../../vendor/client-node/', import.meta.url));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pkgDir = path.dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node/package.json')));
  console.log(`client-node narrow copy: ${writeNarrowClientNode(pkgDir, narrowDir())}`);
}
