// Loads @kubernetes/client-node on Node 20: client-node 2 brings undici 8 (Node >= 22.19), which touches
// zlib.createZstdDecompress, worker_threads.markAsUncloneable and Promise.withResolvers. Stand-ins let it
// run (same as test/e2e/helpers/client-node.ts); drop this file once the project requires Node 22.
import workerThreads from 'node:worker_threads';
import zlib from 'node:zlib';

export type ClientNode = typeof import('@kubernetes/client-node');

let loaded: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  if (!('createZstdDecompress' in zlib)) {
    Object.assign(zlib, { createZstdDecompress: () => { throw new Error('zstd decompression needs Node >= 22.15'); } });
  }
  if (!('markAsUncloneable' in workerThreads)) Object.assign(workerThreads, { markAsUncloneable: () => undefined });
  if (!('withResolvers' in Promise)) {
    Object.assign(Promise, { withResolvers<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
      return { promise, resolve, reject };
    } });
  }
  loaded ??= import('@kubernetes/client-node');
  return loaded;
}
