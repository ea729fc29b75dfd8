// A pod's network (contract 10): a veth pair, `eth0` with the pod IP /32 in the pod's namespace (the
// pause container's) and default via the gateway, the node side in tp-node (tp-node-N) with a /32 route and proxy ARP.
// Both ends are made inside their namespaces: nothing of it ever is a link of the host.
import { currentInstance } from '../instance.js';
import { clusterAddresses, type ClusterSettings } from '../state.js';
import { ipToInt } from './cidr.js';
import { nodeIp } from './host-network.js';
import { run, tryRun } from './run.js';

const NODE_SIDE_PREFIX = 'tpv';

/** The node-side interface name of a pod IP: deterministic, so cleanup needs only the IP. */
export function nodeSideName(podIp: string): string {
  return NODE_SIDE_PREFIX + ipToInt(podIp).toString(16).padStart(8, '0');
}

export function podIpOfNodeSide(name: string): string | undefined {
  if (!name.startsWith(NODE_SIDE_PREFIX) || name.length !== NODE_SIDE_PREFIX.length + 8) return undefined;
  const n = parseInt(name.slice(NODE_SIDE_PREFIX.length), 16);
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Wires the network namespace of process `pid` (the pause container) to tp-node with `podIp`. */
export async function attachPodNetwork(pid: number, podIp: string, settings: ClusterSettings): Promise<void> {
  const { gateway } = clusterAddresses(settings);
  const nodeSide = nodeSideName(podIp);
  const podSide = `tpp${nodeSide.slice(NODE_SIDE_PREFIX.length)}`;
  await detachPodNetwork(podIp); // a left-over from a crashed kubelet
  await run('ip', ['link', 'add', nodeSide, 'netns', currentInstance().netns, 'type', 'veth', 'peer', 'name', podSide, 'netns', String(pid)]);
  await run('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], [
    `link set ${podSide} name eth0`,
    `addr add ${podIp}/32 dev eth0`,
    'link set lo up',
    'link set eth0 up',
    `route add ${gateway} dev eth0 scope link`,
    `route add default via ${gateway} dev eth0 onlink`,
  ].join('\n') + '\n');
  await run('ip', ['netns', 'exec', currentInstance().netns, 'sysctl', '-qw', `net.ipv4.conf.${nodeSide}.proxy_arp=1`]);
  await nodeIp([`link set ${nodeSide} up`, `route replace ${podIp}/32 dev ${nodeSide} src ${gateway}`]);
}

export async function detachPodNetwork(podIp: string): Promise<void> {
  await tryRun('ip', ['-n', currentInstance().netns, 'link', 'del', nodeSideName(podIp)]);
}

/** Pod IPs that have a node-side veth in tp-node. */
export async function attachedPodIps(): Promise<string[]> {
  const out = await tryRun('ip', ['-n', currentInstance().netns, '-o', 'link', 'show']);
  const names = [...out.stdout.matchAll(/^\d+: ([^:@]+)[@:]/gm)].map((m) => m[1]!);
  return names.map(podIpOfNodeSide).filter((ip): ip is string => ip !== undefined);
}
