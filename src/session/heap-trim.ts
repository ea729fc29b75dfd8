// The launcher's C heap given back while a session runs: glibc keeps the pages that start-up freed in the
// middle of its heap (TLS handshakes, API responses, module loading) resident until malloc_trim is called,
// ~10-13 MB of an idle session's RSS here (README, Benchmarks: bench:scale). One trim shortly after the
// user process starts, then one a period while the session runs (each takes microseconds at this heap
// size; a busy session frees and reuses its buffers, an idle one gives them back).
import v8 from 'node:v8';
import vm from 'node:vm';
import { findTunAddon } from '../vif/tun.js';

export const HEAP_TRIM_FIRST_MS = 1_000;
export const HEAP_TRIM_PERIOD_MS = 15_000;

/** Starts trimming; returns the stop. A build without the addon (or a libc without malloc_trim) does nothing. */
export function startHeapTrim(log: (line: string) => void, firstMs = HEAP_TRIM_FIRST_MS, periodMs = HEAP_TRIM_PERIOD_MS): () => void {
  const addon = findTunAddon();
  // An addon built before trimHeap existed (npm run build does not rebuild it; npm ci does): no trim.
  if (typeof addon?.trimHeap !== 'function') return () => {};
  let period: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    const before = process.memoryUsage.rss();
    // V8's low-memory notification: the compacting collections its memory reducer would make ~8 s after
    // start-up's last one (the young generation shrunk, pooled pages given back), now. In a vpn-tcp session
    // the reducer's first one took the committed heap from 27.2 to 23.7 MB at 10.4 s; RSS 5 s in was 3.5-4.3 MB
    // above RSS 10 s in. An addon built before lowMemory existed: a plain full collection.
    if (typeof addon.lowMemory === 'function') addon.lowMemory();
    else fullCollection();
    addon.trimHeap();
    log(`heap trim: RSS ${mb(before)} -> ${mb(process.memoryUsage.rss())} MB`);
    period = setInterval(() => addon.trimHeap(), periodMs);
    period.unref();
  }, firstMs);
  start.unref();
  return () => { clearTimeout(start); clearInterval(period); };
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

/**
 * One full V8 collection before the first trim, where the addon has no lowMemory: start-up's garbage goes at
 * once rather than when V8 next gets to it (idle RSS 5 s into a session, 3 sessions each: inject-tcp 82.8 -> 79.7 MB, vpn-tcp 87.3 -> 83.1 MB).
 * The flag is set here, not on node's command line: there it would change V8's flag hash and the client-node
 * code cache would be rejected (src/kube/code-cache.ts); a new context is where V8 then puts its gc().
 */
function fullCollection(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}
