// The local test cluster's state directory (contract 1) and the settings `up` chose, shared by the CLI,
// the kubelet, the node agent and the e2e helper. Only path names and a small JSON file: no processes.
import fs from 'node:fs';
import path from 'node:path';

import { type ClusterInstance, currentInstance } from './instance.js';
import { nthAddress, parseCidr } from './node/cidr.js';

// The default instance's names; a numbered instance has its own (instance.ts, currentInstance()).
export const DEFAULT_STATE_DIR = '/run/tp-cluster';
export const NODE_NAME = 'tp-node';
export const NODE_NETNS = 'tp-node';
export const API_PORT = 16443;
export const LABEL = 'tp-cluster';
/** Guard routes: `up` adds them, `down` removes them (the default virtual subnet is not a setting). */
export const VIRTUAL_SUBNET = '246.246.0.0/16';

/**
 * The host-access topology (`up --host-access`): the workstation in netns tp-ws, joined to tp-node by a
 * host-only veth pair as VirtualBox's host-only network joins a minikube VM to its host. 192.168.56.0/24
 * is VirtualBox's default and used by nothing else here (the host is on 192.0.2.0/24, the staged VPNs
 * of the tests on 10.0.0.0/8, the cluster on 10.130/16, 10.132/16 and 246.246/16).
 */
export const HOST_ACCESS = {
  netns: 'tp-ws',
  subnet: '192.168.56.0/24',
  wsAddress: '192.168.56.1',
  nodeAddress: '192.168.56.2',
  wsLink: 'tpho-ws',
  nodeLink: 'tpho-node',
  /** tp-ws's resolver before a session: answers NXDOMAIN to everything (nothing is asked outside). */
  wsResolver: '127.0.0.2',
  context: 'tp-host-access',
} as const;

/** This process's instance's state directory. */
export function stateDir(): string {
  return instanceStateDir(currentInstance());
}

/** $TP_CLUSTER_STATE names the default instance's directory only: a numbered one is always /run/tp-cluster-N. */
export function instanceStateDir(inst: ClusterInstance): string {
  return inst.name === '' ? (process.env.TP_CLUSTER_STATE ?? DEFAULT_STATE_DIR) : inst.defaultStateDir;
}

export interface ClusterSettings {
  readonly podSubnet: string;
  readonly serviceSubnet: string;
}

export const DEFAULT_SETTINGS: ClusterSettings = { podSubnet: '10.132.0.0/16', serviceSubnet: '10.130.0.0/16' };

/** Addresses derived from the subnets: the node's gateway in the pod subnet, the API and DNS ClusterIPs. */
export function clusterAddresses(settings: ClusterSettings): { gateway: string; apiIp: string; dnsIp: string } {
  const pods = parseCidr(settings.podSubnet);
  const services = parseCidr(settings.serviceSubnet);
  return { gateway: nthAddress(pods, 1), apiIp: nthAddress(services, 1), dnsIp: nthAddress(services, 10) };
}

export function statePaths(dir: string = stateDir()) {
  return {
    dir,
    kubeconfig: path.join(dir, 'kubeconfig'),
    caCrt: path.join(dir, 'ca.crt'),
    token: path.join(dir, 'token'),
    apiserverSock: path.join(dir, 'apiserver.sock'),
    nodeDialSock: path.join(dir, 'node-dial.sock'),
    settings: path.join(dir, 'settings.json'),
    podsDir: path.join(dir, 'pods'),
    /** Present only in the host-access topology: what the kubelet and the node agent read of it. */
    hostAccess: path.join(dir, 'host-access.json'),
    hostAccessKubeconfig: path.join(dir, 'kubeconfig-host-access'),
    wsResolvConf: `/etc/netns/${HOST_ACCESS.netns}/resolv.conf`,
    pidFile: (name: string) => path.join(dir, `${name}.pid`),
    logFile: (name: string) => path.join(dir, `${name}.log`),
  };
}

/** The host-access topology's record (DIR/host-access.json), undefined in the plain topology. */
export interface HostAccessRecord {
  /** Where the cluster DNS sends names outside cluster.local: the DNS relay on the workstation's link. */
  readonly dnsUpstream: string;
  /** The node's interface on the host-only link: traffic leaving through it is masqueraded. */
  readonly egressDevice: string;
}

export function readHostAccess(dir: string = stateDir()): HostAccessRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePaths(dir).hostAccess, 'utf8')) as HostAccessRecord;
  } catch {
    return undefined;
  }
}

export function readSettings(dir: string = stateDir()): ClusterSettings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(fs.readFileSync(statePaths(dir).settings, 'utf8')) as object) };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function writeSettings(settings: ClusterSettings, dir: string = stateDir()): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(statePaths(dir).settings, JSON.stringify(settings, null, 2) + '\n');
}
