// Loads @kubernetes/client-node lazily: it is large, and commands that never reach a cluster (--help,
// plan with given subnets) should not pay for it. package.json pins undici 7 through "overrides":
// client-node 2's own undici 8 needs Node >= 22.19, this project supports Node 20.
export type ClientNode = typeof import('@kubernetes/client-node');

let loaded: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  loaded ??= import('@kubernetes/client-node');
  return loaded;
}
