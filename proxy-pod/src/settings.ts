// The pod program's settings, read once from its environment (the pod spec sets them; tests pick
// free ports). Pure: the environment is passed in. The names and defaults are src/protocol's.
import { isIPv4 } from './socks/protocol.js';
import { DNS_PORT, POD_ENV, POD_SETTING_VARIABLES, SOCKS_PORT } from '../../src/protocol/index.js';

/** The variables that configure the pod program: not part of the app's environment. */
export const SETTING_VARIABLES = POD_SETTING_VARIABLES;

export interface PodSettings {
  /** Address the SOCKS and DNS servers listen on; 0.0.0.0 as Telepresence 1, so that a
   * port-forward that dials the pod IP (not only the pod's loopback) reaches them. */
  listenHost: string;
  socksPort: number;
  dnsPort: number;
  /** Local clusters: the nameserver for non-cluster names (Telepresence 1's TELEPRESENCE_NAMESERVER). */
  externalNameserver: string | null;
  /** Extra names treated as cluster names then (comma-separated TELEPRESENCE_LOCAL_NAMES). */
  localNames: string[];
}

export const DEFAULT_SETTINGS: PodSettings = { listenHost: '0.0.0.0', socksPort: SOCKS_PORT, dnsPort: DNS_PORT, externalNameserver: null, localNames: [] };

function port(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new Error(`${name}=${JSON.stringify(text)} is not a port: set it to a number from 0 to 65535, or unset it for ${fallback}`);
  }
  return Number(text);
}

function ipv4(env: Record<string, string | undefined>, name: string): string | null {
  const text = env[name];
  if (text === undefined || text === '') return null;
  if (!isIPv4(text)) {
    throw new Error(`${name}=${JSON.stringify(text)} is not an IPv4 address: give the nameserver's address, or unset it`);
  }
  return text;
}

export function readSettings(env: Record<string, string | undefined>): PodSettings {
  return {
    listenHost: env[POD_ENV.listenHost] || DEFAULT_SETTINGS.listenHost,
    socksPort: port(env, POD_ENV.socksPort, DEFAULT_SETTINGS.socksPort),
    dnsPort: port(env, POD_ENV.dnsPort, DEFAULT_SETTINGS.dnsPort),
    externalNameserver: ipv4(env, POD_ENV.nameserver),
    localNames: (env[POD_ENV.localNames] ?? '').split(',').map((n) => n.trim()).filter(Boolean),
  };
}
