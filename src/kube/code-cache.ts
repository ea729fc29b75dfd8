// A CommonJS bundle loaded with V8's code cache (Node 20 has no compile cache of its own for it): the
// narrow client-node bundle is 3 MB of source, and compiling it cost every session ~100 ms of its start.
// `npm run build` (scripts/bundle.js) writes the cache beside the bundle with writeCodeCache(), run with the
// launcher's V8 flags; loadWithCodeCache() uses it when V8 accepts it and compiles the source as usual when
// it does not (another node, other flags, no cache file).
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

interface Loaded {
  exports: unknown;
  script: vm.Script;
}

function load(file: string, cacheFile: string): Loaded {
  const source = fs.readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const module = { exports: {} as unknown };
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, script };
}

/** The bundle's exports, compiled from `cacheFile` when V8 accepts it. */
export function loadWithCodeCache(file: string, cacheFile: string): unknown {
  return load(file, cacheFile).exports;
}

/** Whether V8 takes `cacheFile` for `file` in this process (the build checks what it wrote): compiled, not run. */
export function codeCacheAccepted(file: string, cacheFile: string): boolean {
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: fs.readFileSync(cacheFile) });
  return !script.cachedDataRejected;
}

/**
 * Writes the cache of `file` after running it, so that it holds the functions its loading compiled too;
 * returns its size in bytes.
 */
export function writeCodeCache(file: string, cacheFile: string): number {
  fs.rmSync(cacheFile, { force: true });
  const data = load(file, cacheFile).script.createCachedData();
  fs.writeFileSync(cacheFile, data);
  return data.length;
}
