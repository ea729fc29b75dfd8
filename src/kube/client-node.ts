// Loads @kubernetes/client-node lazily: it is large, and commands that never reach a cluster (--help,
// plan with given subnets) should not pay for it. package.json pins undici 7 through "overrides":
// client-node 2's own undici 8 needs Node >= 22.19, this project supports Node 20.
// It loads the narrow copy that `npm run build` writes (client-node-narrow.ts: ~65 MB less RSS), the
// package itself where there is none (a build by tsc alone).
import fs from 'node:fs';
import path from 'node:path';

import { type KeptApi, narrowDir, NARROW_CODE_CACHE, NARROW_ENTRY } from './client-node-narrow.js';
import { loadWithCodeCache } from './code-cache.js';

type Full = typeof import('@kubernetes/client-node');
type GenApi = keyof typeof import('@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js');
/** The API classes the narrow copy leaves out, so that using one is a type error here. */
type DroppedApi = Exclude<GenApi extends `Object${infer N}` ? N : never, KeptApi>;
export type ClientNode = Omit<Full, DroppedApi>;

let loaded: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  loaded ??= importClientNode();
  return loaded;
}

function importClientNode(): Promise<ClientNode> {
  const narrow = path.join(narrowDir(), NARROW_ENTRY);
  if (fs.existsSync(narrow)) return Promise.resolve(loadWithCodeCache(narrow, path.join(narrowDir(), NARROW_CODE_CACHE)) as ClientNode);
  return import('@kubernetes/client-node');
}
