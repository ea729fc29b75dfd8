// The host's network state that a vpn-tcp session changes (routes of every table, links, rules, the
// resolver), captured to compare before and after a run.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { useCluster, type ClusterFixture } from '../helpers/cluster.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';

export interface HostState {
  routes: string;
  links: string;
  rules: string;
  resolvConf: string;
}

async function ip(args: string[]): Promise<string> {
  return String((await execa('ip', args)).stdout);
}

export async function hostState(): Promise<HostState> {
  const links = JSON.parse(await ip(['-j', 'link', 'show'])) as { ifname: string; operstate: string }[];
  return {
    // Each family once: `ip route show table all` alone already lists IPv6 routes with some iproute2 versions.
    routes: (await ip(['-4', 'route', 'show', 'table', 'all'])) + (await ip(['-6', 'route', 'show', 'table', 'all'])),
    links: links.map((l) => l.ifname).sort().join(' '),
    rules: (await ip(['-4', 'rule', 'show'])) + (await ip(['-6', 'rule', 'show'])),
    resolvConf: readFileSync('/etc/resolv.conf', 'utf8'),
  };
}

/** `ip route get` as the kernel answers it, or its error text. */
export async function routeGet(address: string): Promise<string> {
  const r = await execa('ip', ['route', 'get', address], { reject: false });
  return r.exitCode === 0 ? String(r.stdout) : String(r.stderr);
}

/** A staged VPN: a veth whose host end routes `cidr`, its peer in a network namespace of the test. */
export async function stageVpn(name: string, address: string): Promise<() => Promise<void>> {
  const ns = `${name}-ns`;
  await execa('ip', ['netns', 'add', ns]);
  await execa('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`, 'netns', ns]);
  // No IPv6 on it: its link-local address would appear some time after `up` and change the routes
  // between a test's before and after.
  writeFileSync(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, '1');
  await execa('ip', ['addr', 'add', address, 'dev', name]);
  await execa('ip', ['link', 'set', name, 'up']);
  await execa('ip', ['-n', ns, 'link', 'set', `${name}p`, 'up']);
  return async () => {
    await execa('ip', ['link', 'del', name], { reject: false });
    await execa('ip', ['netns', 'del', ns], { reject: false });
  };
}

/** For each test of the calling describe: a staged VPN (stageVpn), then the host state recaptured with it. */
export function useStagedVpn(name: string, address: string, recapture: () => Promise<void>): void {
  let unstage: () => Promise<void>;
  beforeEach(async () => {
    unstage = await stageVpn(name, address);
    await recapture();
  });
  afterEach(async () => unstage());
}

/**
 * The set-up of a suite of host-changing sessions: the cluster, the proxy image, a fresh directory
 * per test and the host state it started from (read them through the getters, inside a test).
 */
export function useHostSessions(tmpDir: () => string): { fx: ClusterFixture; dir(): string; initial(): HostState; recapture(): Promise<void> } {
  const fx = useCluster();
  let dir = '';
  let initial: HostState;
  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
  });
  beforeEach(async () => {
    dir = tmpDir();
    initial = await hostState();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return { fx, dir: () => dir, initial: () => initial, recapture: async () => { initial = await hostState(); } };
}
