// The host-access topology (`up --host-access`, undone by `down --host-access` and by `down`): netns tp-ws is
// the workstation, joined to tp-node by a host-only veth pair; the node's default route and its DNS fallback
// point back at it, as VirtualBox's host-only network and DNS relay do for minikube. Built from namespaces
// only: tp-ws has no link but loopback and the host-only one, so nothing reaches the real default route.
import fs from 'node:fs';
import path from 'node:path';

import YAML from 'yaml';

import { HOST_ACCESS, NODE_NETNS, type HostAccessRecord, readHostAccess, statePaths } from '../state.js';
import { type DaemonSpec, daemonPid, daemonRunning, startDaemon, stopDaemon } from './daemons.js';
import { netnsExists } from './host-network.js';
import { pollUntil, run, tryRun } from './run.js';

const WS = HOST_ACCESS.netns;
const MASQUERADE_RULE = `-A TP-POSTROUTING -o ${HOST_ACCESS.nodeLink} -j MASQUERADE`;

export function workstationDaemon(dir: string, dist: string): DaemonSpec {
  return { name: 'host-access', marker: 'node/workstation.js', command: 'ip',
    args: ['netns', 'exec', WS, process.execPath, path.join(dist, 'node/workstation.js'), '--state-dir', dir] };
}

async function masqueradeApplied(): Promise<boolean> {
  const r = await tryRun('ip', ['netns', 'exec', NODE_NETNS, 'iptables', '-t', 'nat', '-S', 'TP-POSTROUTING']);
  return r.exitCode === 0 && r.stdout.split('\n').includes(MASQUERADE_RULE);
}

/** The cluster's kubeconfig with its own names, for programs run inside tp-ws (the same 127.0.0.1:16443 there). */
function writeHostAccessKubeconfig(dir: string): string {
  const paths = statePaths(dir);
  const config = YAML.parse(fs.readFileSync(paths.kubeconfig, 'utf8')) as {
    clusters: { name: string }[]; contexts: { name: string; context: { cluster: string } }[]; 'current-context': string;
  };
  config.clusters[0]!.name = HOST_ACCESS.context;
  config.contexts[0]!.name = HOST_ACCESS.context;
  config.contexts[0]!.context.cluster = HOST_ACCESS.context;
  config['current-context'] = HOST_ACCESS.context;
  fs.writeFileSync(paths.hostAccessKubeconfig, YAML.stringify(config), { mode: 0o600 });
  return paths.hostAccessKubeconfig;
}

/** Idempotent; needs the cluster up (the kubelet applies the masquerade rule). Returns the kubeconfig for tp-ws. */
export async function setupHostAccess(dir: string, dist: string, log: (line: string) => void): Promise<string> {
  const paths = statePaths(dir);
  const H = HOST_ACCESS;
  if (!(await netnsExists(WS))) await run('ip', ['netns', 'add', WS]);
  const wsIp = (commands: string[]) => run('ip', ['-n', WS, '-batch', '-'], commands.join('\n') + '\n');
  await wsIp(['link set lo up']);
  if ((await tryRun('ip', ['-n', WS, 'link', 'show', H.wsLink])).exitCode !== 0) {
    await run('ip', ['link', 'add', H.wsLink, 'netns', WS, 'type', 'veth', 'peer', 'name', H.nodeLink, 'netns', NODE_NETNS]);
  }
  // No IPv6 on the link: its link-local routes would be a second way out to think about.
  await run('ip', ['netns', 'exec', WS, 'sysctl', '-qw', `net.ipv6.conf.${H.wsLink}.disable_ipv6=1`, 'net.ipv4.ip_forward=1']);
  await run('ip', ['netns', 'exec', NODE_NETNS, 'sysctl', '-qw', `net.ipv6.conf.${H.nodeLink}.disable_ipv6=1`]);
  await wsIp([`addr replace ${H.wsAddress}/24 dev ${H.wsLink}`, `link set ${H.wsLink} up`]);
  await run('ip', ['-n', NODE_NETNS, '-batch', '-'], [`addr replace ${H.nodeAddress}/24 dev ${H.nodeLink}`, `link set ${H.nodeLink} up`,
    `route replace default via ${H.wsAddress} dev ${H.nodeLink}`].join('\n') + '\n');

  fs.mkdirSync(path.dirname(paths.wsResolvConf), { recursive: true });
  fs.writeFileSync(paths.wsResolvConf, `# tp-ws (the host-access topology's workstation): a resolver that answers NXDOMAIN to every name\nnameserver ${H.wsResolver}\n`);
  const record: HostAccessRecord = { dnsUpstream: H.wsAddress, egressDevice: H.nodeLink };
  fs.writeFileSync(paths.hostAccess, JSON.stringify(record, null, 2) + '\n');

  const spec = workstationDaemon(dir, dist);
  if (daemonPid(dir, spec) === undefined) {
    log('starting the workstation daemon in tp-ws (API relay, resolver, DNS relay)');
    fs.rmSync(path.join(dir, 'host-access.ready'), { force: true });
    const pid = startDaemon(dir, spec);
    await pollUntil(`the workstation daemon (see ${paths.logFile(spec.name)})`, 30_000, async () => {
      // By its pid: right after the spawn its command line can still be the parent's, which daemonPid's
      // marker check took for an exit (a CI run failed so while the daemon came up and served).
      if (!daemonRunning(pid)) throw new Error(`the workstation daemon exited; see ${paths.logFile(spec.name)}`);
      return fs.existsSync(path.join(dir, 'host-access.ready')) ? true : undefined;
    });
  }
  await pollUntil(`the kubelet to masquerade what leaves through ${H.nodeLink} (a kubelet started from an older build does not: \`npm run cluster -- down\` first)`,
    10_000, async () => ((await masqueradeApplied()) ? true : undefined));
  return writeHostAccessKubeconfig(dir);
}

/**
 * Removes what setupHostAccess made (tp-ws, the link and with it the node's default route); returns what it
 * could not. `kubeletStays`: the cluster goes on in the plain topology, so wait for the kubelet to drop the rule.
 */
export async function teardownHostAccess(dir: string, dist: string, log: (line: string) => void, kubeletStays: boolean): Promise<string[]> {
  const paths = statePaths(dir);
  const errors: string[] = [];
  const hadRecord = readHostAccess(dir) !== undefined;
  const wsDir = path.dirname(paths.wsResolvConf);
  const spec = workstationDaemon(dir, dist);
  // The plain topology: nothing of this one to remove, and nothing is run.
  if (!hadRecord && daemonPid(dir, spec) === undefined && !fs.existsSync(wsDir) && !(await netnsExists(WS))) return errors;
  if (await stopDaemon(dir, spec)) log('stopped the workstation daemon');
  fs.rmSync(paths.hostAccess, { force: true });
  fs.rmSync(paths.hostAccessKubeconfig, { force: true });
  fs.rmSync(path.join(dir, 'host-access.ready'), { force: true });
  if (await netnsExists(WS)) {
    const r = await tryRun('ip', ['netns', 'del', WS]);
    if (r.exitCode !== 0) errors.push(`ip netns del ${WS}: ${r.stderr.trim()}`);
    else log(`removed netns ${WS} and the host-only link`);
  }
  // A veth end left in tp-node (tp-ws gone some other way) would keep the default route.
  if (await netnsExists(NODE_NETNS)) await tryRun('ip', ['-n', NODE_NETNS, 'link', 'del', HOST_ACCESS.nodeLink]);
  if (fs.existsSync(wsDir)) {
    fs.rmSync(wsDir, { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(wsDir));
    } catch {
      // /etc/netns holds other namespaces' files: not ours to remove
    }
  }
  if (hadRecord && kubeletStays) {
    await pollUntil('the kubelet to drop the host-access masquerade rule', 10_000, async () => ((await masqueradeApplied()) ? undefined : true))
      .catch((err: Error) => errors.push(err.message));
  }
  return errors;
}

/** One status line: which topology runs. */
export async function hostAccessStatus(dir: string, dist: string): Promise<string> {
  const record = readHostAccess(dir);
  const ws = await netnsExists(WS);
  if (!record && !ws) return 'topology: plain';
  const pid = daemonPid(dir, workstationDaemon(dir, dist));
  const complete = record && ws && pid !== undefined && (await masqueradeApplied());
  return `topology: host-access${complete ? '' : ' (incomplete: run `npm run cluster -- up --host-access` again)'} (workstation netns ${WS} ` +
    `${HOST_ACCESS.wsAddress} <-> node ${HOST_ACCESS.nodeAddress}, workstation daemon ${pid ? `pid ${pid}` : 'not running'}, kubeconfig ${statePaths(dir).hostAccessKubeconfig})`;
}
