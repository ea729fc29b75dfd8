// Bundles with esbuild after tsc (`npm run build`): the launcher (dist/src/cli/entry.js) into dist/bundle/entry.js,
// which bin/telepresence runs (the same file name: tests find the launcher's process by it), and the narrow
// client-node into one module. One module instead of hundreds halves the time they take to load
// (README, Benchmarks: bench:scale, the RSS part).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/bundle');

/**
 * Left to node at run time: the native addons and the packages that load one by a path of their own (node-pty,
 * ssh2's crypto binding, cpu-features); client-node, whose narrow copy (dist/vendor/client-node) is imported
 * by path when a session reaches the cluster (the package name is only the fallback of a build without it); and
 * socksv5 and ip6addr, which call `new Buffer()`: node warns of that (DEP0005, on stderr) only for code outside node_modules.
 */
const EXTERNAL = ['*.node', 'node-pty', 'ssh2', 'cpu-features', '@kubernetes/client-node', 'socksv5', 'ip6addr'];

/**
 * Files that find files beside them (`new URL('../../../shim/stubs/all', import.meta.url)`: the stubs, the
 * addon, package.json, the sidecar's build script, the narrow client-node) keep their own URL: each
 * `import.meta.url` becomes the URL of the file it was written in, relative to the bundle.
 */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = path.relative(OUT, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

fs.rmSync(OUT, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { entry: path.join(ROOT, 'dist/src/cli/entry.js') },
  outdir: OUT,
  // The commands a session does not run (plan, repair, status) are imported when asked for: chunks of their own.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  plugins: [ownUrl],
  // Whitespace and syntax only: V8 keeps each module's text, and names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // The CommonJS packages inside (execa's, argparse) call require() for node's own modules.
  banner: { js: "import { createRequire as __tpCreateRequire } from 'node:module'; const require = __tpCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`launcher bundle: ${path.join(OUT, 'entry.js')} (${inputs} modules)`);

// The narrow client-node (dist/vendor/client-node, written just before) into one module beside it, which
// src/kube/client-node.ts imports (NARROW_ENTRY): half the load time of its ~250 modules and ~4 MB less RSS.
// CommonJS, so that it loads through V8's code cache (src/kube/code-cache.ts), written next by a node with the
// launcher's V8 flags (bin/telepresence): a cache made under other flags may be rejected.
const vendor = path.join(ROOT, 'dist/vendor/client-node');
const cnFile = path.join(vendor, 'index.cjs');
const cn = await esbuild.build({
  entryPoints: [path.join(vendor, 'dist/index.js')],
  outfile: cnFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'error',
});
console.log(`client-node bundle: ${cnFile} (${Object.keys(cn.metafile.inputs).length} modules)`);
const LAUNCHER_V8_FLAGS = ['--max-semi-space-size=1', '--v8-pool-size=1'];
const codeCache = pathToFileURL(path.join(ROOT, 'dist/src/kube/code-cache.js')).href;
const cacheFile = `${cnFile}.cache`;
const written = spawnSync(process.execPath, [...LAUNCHER_V8_FLAGS, '--input-type=module', '-e', `
  import { codeCacheAccepted, writeCodeCache } from ${JSON.stringify(codeCache)};
  const bytes = writeCodeCache(${JSON.stringify(cnFile)}, ${JSON.stringify(cacheFile)});
  if (!codeCacheAccepted(${JSON.stringify(cnFile)}, ${JSON.stringify(cacheFile)})) throw new Error('V8 rejected the code cache it just wrote');
  console.log('client-node code cache: ${cacheFile} (' + (bytes / 1048576).toFixed(1) + ' MB)');
`], { stdio: 'inherit' });
if (written.status !== 0) {
  console.error(`scripts/bundle.js: writing the code cache of ${cnFile} failed (exit ${written.status})`);
  process.exit(1);
}
