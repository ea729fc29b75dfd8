// The local test cluster's state directory (contract 1) and the settings `up` chose, shared by the CLI,
// the kubelet, the node agent and the e2e helper. Only path names and a small JSON file: no processes.
import fs from 'node:fs';
import path from 'node:path';

import { nthAddress, parseCidr } from './node/cidr.js';

export const DEFAULT_STATE_DIR = '/run/tp-cluster';
export const NODE_NAME = 'tp-node';
export const NODE_NETNS = 'tp-node';
export const API_PORT = 16443;
export const LABEL = 'tp-cluster';
/** Guard routes: `up` adds them, `down` removes them (the default virtual subnet is not a setting). */
export const VIRTUAL_SUBNET = '246.246.0.0/16';

export function stateDir(): string {
  return process.env.TP_CLUSTER_STATE ?? DEFAULT_STATE_DIR;
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
    pidFile: (name: string) => path.join(dir, `${name}.pid`),
    logFile: (name: string) => path.join(dir, `${name}.log`),
  };
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
