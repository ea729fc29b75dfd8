// Loads @kubernetes/client-node on this project's Node 20. client-node 2 brings undici 8, which needs Node >= 22.19
// and touches two newer APIs while it loads (zlib.createZstdDecompress, worker_threads.markAsUncloneable). The
// port-forward path (ws) uses neither, so stubs let the module load; the integrator should settle the Node version.
import zlib from 'node:zlib';
import workerThreads from 'node:worker_threads';

export async function loadClientNode(): Promise<typeof import('@kubernetes/client-node')> {
  if (!('createZstdDecompress' in zlib)) {
    Object.assign(zlib, { createZstdDecompress: () => { throw new Error('zstd needs Node >= 22.15'); } });
  }
  if (!('markAsUncloneable' in workerThreads)) Object.assign(workerThreads, { markAsUncloneable: () => undefined });
  return import('@kubernetes/client-node');
}
