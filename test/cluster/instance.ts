// Which instance of the local test cluster a process belongs to: the default one (today's names) or a
// numbered one beside it (`up --instance 2`), with the same subnets but its own names, port and state.
// The CLI sets $TP_CLUSTER_INSTANCE from --instance and `up` starts each daemon with it, so one process is one instance.

export const INSTANCE_ENV = 'TP_CLUSTER_INSTANCE';
/** Instances besides the default (1): what `status` and `down` look for. */
export const INSTANCE_NUMBERS = [2, 3, 4, 5, 6, 7, 8, 9] as const;

export interface ClusterInstance {
  /** '' for the default instance, else its number ('2'). */
  readonly name: string;
  /** The state directory unless --state-dir or (default instance only) $TP_CLUSTER_STATE says otherwise. */
  readonly defaultStateDir: string;
  /** The node's network namespace; also the Node object's name. */
  readonly netns: string;
  readonly nodeName: string;
  /** The API server's TCP port on 127.0.0.1. */
  readonly apiPort: number;
  /** The Docker label KEY its pod containers carry as KEY=1 (images keep `tp-cluster=1`, shared by all). */
  readonly dockerLabel: string;
  /** Pod container names are PREFIX_NS_POD_CONTAINER. */
  readonly containerPrefix: string;
  /** The kubeconfig's names: distinct per instance, so that two kubeconfigs merge (KUBECONFIG=a:b). */
  readonly context: string;
  readonly user: string;
}

const DEFAULT: ClusterInstance = {
  name: '', defaultStateDir: '/run/tp-cluster', netns: 'tp-node', nodeName: 'tp-node', apiPort: 16443,
  dockerLabel: 'tp-cluster', containerPrefix: 'tp', context: 'tp-local', user: 'tp-admin',
};

export class InstanceNameError extends Error {}

/** `--instance` text to the instance's name: '' (or '1') is the default, 2..9 the others. */
export function parseInstanceName(text: string | undefined): string {
  if (text === undefined || text === '' || text === '1') return '';
  if (!(INSTANCE_NUMBERS as readonly number[]).includes(Number(text)) || !/^\d$/.test(text)) {
    throw new InstanceNameError(`instance "${text}": use 1 (the default) or a number from 2 to 9`);
  }
  return text;
}

/** The names of instance `name` ('' the default). Pure. */
export function clusterInstance(name = ''): ClusterInstance {
  const n = parseInstanceName(name);
  if (n === '') return DEFAULT;
  return {
    name: n, defaultStateDir: `/run/tp-cluster-${n}`, netns: `tp-node-${n}`, nodeName: `tp-node-${n}`, apiPort: DEFAULT.apiPort + Number(n) - 1,
    dockerLabel: `tp-cluster-${n}`, containerPrefix: `tp${n}`, context: `tp-local-${n}`, user: `tp-admin-${n}`,
  };
}

/** This process's instance ($TP_CLUSTER_INSTANCE). */
export function currentInstance(): ClusterInstance {
  return clusterInstance(process.env[INSTANCE_ENV] ?? '');
}

/** How the instance is named in messages and `status`. */
export function instanceLabel(inst: ClusterInstance): string {
  return inst.name === '' ? 'default (1)' : inst.name;
}
