// Runs inside `unshare -m -n` (see resolver-namespace.test.ts): a private network namespace (its own
// loopback) and a private mount namespace where DIR/resolv.conf is bind-mounted over /etc/resolv.conf,
// so the host's real resolver is never touched. Prints one JSON line per step.
//   node ns-child.js DIR session | hold | repair
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { covers, DEFAULT_EXCLUDE_SUFFIXES, VirtualIpAllocator } from '../../../src/engine/index.js';
import {
  checkRecursion, listenWorkstationDns, nameserverLookup, podDnsLookup, systemLookup, teachSearchSuffixes, waitForDnsReady, WorkstationDns,
} from '../../../src/dns/index.js';
import { createHostResolverConfig, repairResolver } from '../../../src/host/resolver.js';
import { listenPodDns } from '../../../proxy-pod/src/dns/server.js';
import { hostTableResolver } from '../../../proxy-pod/src/resolver.js';
import { fakeNameserver } from './helpers.js';

const [dir, scenario] = process.argv.slice(2);
const paths = { resolvConf: '/etc/resolv.conf', state: path.join(dir, 'state', 'resolver-backup.json') };
const say = (step: string, data: Record<string, unknown> = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');
const fileNow = () => readFile('/etc/resolv.conf', 'utf8');
const stateExists = () => readFile(paths.state, 'utf8').then(() => true, () => false);

async function enterSandbox(): Promise<void> {
  await execa('ip', ['link', 'set', 'lo', 'up']);
  // The fake original nameserver's address (the whole 127/8 is local).
  await execa('mount', ['--make-rprivate', '/']);
  await execa('mount', ['--bind', path.join(dir, 'resolv.conf'), '/etc/resolv.conf']);
}

/** The whole chain: getaddrinfo -> resolv.conf -> our server -> adapter -> the real pod DNS program. */
async function session(): Promise<void> {
  const original = await fakeNameserver({ 'example.com': ['192.0.2.1'] }, '127.0.0.2', 53);
  const pod = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ 'web.ns': ['10.130.0.10'], web: ['10.130.0.10'] }) });
  const change = await createHostResolverConfig('linux', paths).apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] });
  say('applied', { file: await fileNow(), method: change.method, originalNameservers: change.originalNameservers, originalSearch: change.originalSearch });
  const allocator = new VirtualIpAllocator('246.246.0.0/16');
  const adapter = podDnsLookup(async () => net.connect(pod.tcpPort, '127.0.0.1'));
  const resolver = new WorkstationDns({
    policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: ['ns'], searchPath: [] },
    clusterLookup: adapter.lookup,
    originalLookup: nameserverLookup(change.originalNameservers, 1000),
    translate: (ip) => (covers('10.130.0.0/16', `${ip}/32`) ? allocator.translate(ip) : undefined),
  });
  const listener = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 53 });
  try {
    const taught = await teachSearchSuffixes(resolver, change.originalSearch);
    const ready = await waitForDnsReady({ deadlineMs: 10_000 });
    const recursion = await checkRecursion(resolver);
    const resolved: Record<string, string[] | string> = {};
    for (const name of ['web.ns', 'web', 'example.com', 'nowhere.example.org']) {
      resolved[name] = await systemLookup(name).catch((err: NodeJS.ErrnoException) => err.code ?? String(err));
    }
    const { stdout: getent } = await execa('getent', ['hosts', 'web.ns'], { reject: false });
    say('resolved', { taught, podSuffixes: pod.suffixes.list(), ready: ready.names.length, recursion, resolved, getent: getent.trim(), file: await fileNow() });
  } finally {
    await listener.close();
    adapter.close();
    await pod.close();
    await original.close();
  }
  const undone = await change.undo();
  say('undone', { undone, file: await fileNow(), stateLeft: await stateExists() });
}

async function main(): Promise<void> {
  await enterSandbox();
  say('before', { file: await fileNow() });
  if (scenario === 'session') await session();
  else if (scenario === 'hold') {
    await createHostResolverConfig('linux', paths).apply({ address: '127.0.0.1', port: 53, routingDomains: [], searchDomains: [] });
    say('applied', { pid: process.pid, file: await fileNow(), stateLeft: await stateExists() });
    setInterval(() => undefined, 60_000); // until the test kills it
  } else if (scenario === 'repair') {
    const repaired = await repairResolver(paths, 'linux');
    say('repaired', { repaired, file: await fileNow(), stateLeft: await stateExists() });
  } else throw new Error(`unknown scenario ${scenario}`);
}

main().catch((err: unknown) => {
  say('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
