// The node's network namespace tp-node and the host's guard routes (contract 10): created by `up`,
// removed by `down`. Pod veths and Service rules live inside tp-node, so deleting it removes them.
import { NODE_NETNS, VIRTUAL_SUBNET, clusterAddresses, type ClusterSettings } from '../state.js';
import { run, tryRun } from './run.js';

export function guardSubnets(settings: ClusterSettings): string[] {
  return [settings.serviceSubnet, settings.podSubnet, VIRTUAL_SUBNET];
}

export async function netnsExists(name: string = NODE_NETNS): Promise<boolean> {
  const out = await run('ip', ['netns', 'list']);
  return out.split('\n').some((line) => line.split(' ')[0] === name);
}

/** Runs `ip -batch` inside the node namespace. */
export async function nodeIp(commands: readonly string[]): Promise<void> {
  await run('ip', ['-n', NODE_NETNS, '-batch', '-'], commands.join('\n') + '\n');
}

/** Creates tp-node (idempotent): loopback with the gateway, API and DNS addresses, forwarding on. */
export async function setupNodeNetns(settings: ClusterSettings): Promise<void> {
  if (!(await netnsExists())) await run('ip', ['netns', 'add', NODE_NETNS]);
  const { gateway, apiIp, dnsIp } = clusterAddresses(settings);
  await nodeIp(['link set lo up', ...[gateway, apiIp, dnsIp].map((ip) => `addr replace ${ip}/32 dev lo`)]);
  await run('ip', ['netns', 'exec', NODE_NETNS, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
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

/** Removes what setupNodeNetns and installGuardRoutes made; returns what it could not remove. */
export async function teardownNodeNetwork(settings: ClusterSettings): Promise<string[]> {
  const errors: string[] = [];
  if (await netnsExists()) {
    const r = await tryRun('ip', ['netns', 'del', NODE_NETNS]);
    if (r.exitCode !== 0) errors.push(`ip netns del ${NODE_NETNS}: ${r.stderr.trim()}`);
  }
  for (const subnet of guardSubnets(settings)) {
    const r = await tryRun('ip', ['route', 'del', 'unreachable', subnet, 'metric', '9999']);
    if (r.exitCode !== 0 && !/No such process/.test(r.stderr)) errors.push(`ip route del ${subnet}: ${r.stderr.trim()}`);
  }
  return errors;
}
