// The node's network namespace tp-node (an instance's tp-node-N) and the host's guard routes (contract 10):
// created by `up`, removed by `down`. Pod veths and Service rules live inside the node's namespace, so
// deleting it removes them. Instances with the same subnets share the guard routes: the last one down removes them.
import { currentInstance } from '../instance.js';
import { VIRTUAL_SUBNET, clusterAddresses, type ClusterSettings } from '../state.js';
import { run, tryRun } from './run.js';

export function guardSubnets(settings: ClusterSettings): string[] {
  return [settings.serviceSubnet, settings.podSubnet, VIRTUAL_SUBNET];
}

export async function netnsExists(name: string = currentInstance().netns): Promise<boolean> {
  const out = await run('ip', ['netns', 'list']);
  return out.split('\n').some((line) => line.split(' ')[0] === name);
}

/** Runs `ip -batch` inside the node namespace. */
export async function nodeIp(commands: readonly string[]): Promise<void> {
  await run('ip', ['-n', currentInstance().netns, '-batch', '-'], commands.join('\n') + '\n');
}

/** Creates tp-node (idempotent): loopback with the gateway, API and DNS addresses, forwarding on. */
export async function setupNodeNetns(settings: ClusterSettings): Promise<void> {
  const netns = currentInstance().netns;
  if (!(await netnsExists())) await run('ip', ['netns', 'add', netns]);
  const { gateway, apiIp, dnsIp } = clusterAddresses(settings);
  await nodeIp(['link set lo up', ...[gateway, apiIp, dnsIp].map((ip) => `addr replace ${ip}/32 dev lo`)]);
  await run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

/** `unreachable` routes with a high metric, so that without a telepresence route nothing goes out eth0. */
export async function installGuardRoutes(settings: ClusterSettings): Promise<void> {
  for (const subnet of guardSubnets(settings)) {
    await run('ip', ['route', 'replace', 'unreachable', subnet, 'metric', '9999']);
  }
}

export async function guardRoutesPresent(settings: ClusterSettings): Promise<boolean> {
  const out = await run('ip', ['route', 'show', 'type', 'unreachable']);
  return guardSubnets(settings).every((s) => out.includes(`${s} metric 9999`));
}

/**
 * Removes what setupNodeNetns and installGuardRoutes made, but not the guard routes of `stillGuarded` (subnets
 * another instance that is up guards too); returns what it could not remove.
 */
export async function teardownNodeNetwork(settings: ClusterSettings, stillGuarded: ReadonlySet<string> = new Set()): Promise<string[]> {
  const errors: string[] = [];
  const netns = currentInstance().netns;
  if (await netnsExists()) {
    const r = await tryRun('ip', ['netns', 'del', netns]);
    if (r.exitCode !== 0) errors.push(`ip netns del ${netns}: ${r.stderr.trim()}`);
  }
  for (const subnet of guardSubnets(settings).filter((s) => !stillGuarded.has(s))) {
    const r = await tryRun('ip', ['route', 'del', 'unreachable', subnet, 'metric', '9999']);
    if (r.exitCode !== 0 && !/No such process/.test(r.stderr)) errors.push(`ip route del ${subnet}: ${r.stderr.trim()}`);
  }
  return errors;
}
