// Runs inside `unshare -m -n` (see resolver-namespace.test.ts): a private network namespace (its own
// loopback) and a private mount namespace where DIR/resolv.conf is bind-mounted over /etc/resolv.conf,
// so the host's real resolver is never touched. Prints one JSON line per step.
//   node ns-child.js DIR session | dead | hold | repair
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { covers, DEFAULT_EXCLUDE_SUFFIXES, VirtualIpAllocator } from '../../../src/engine/index.js';
import { PassThrough } from 'node:stream';
import { podDnsLookup, startVpnDns, systemLookup } from '../../../src/dns/index.js';
import { UndoStack } from '../../../src/session/undo.js';
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

/**
 * The whole chain through startVpnDns: getaddrinfo -> resolv.conf -> our server -> adapter -> the
 * real pod DNS program; `dead`: a pod that never answers (readiness fails, the undo stack restores).
 */
async function session(dead: boolean): Promise<void> {
  const original = await fakeNameserver({ 'example.com': ['192.0.2.1'] }, '127.0.0.2', 53);
  const pod = await listenPodDns({ host: '127.0.0.1', port: 0, resolver: hostTableResolver({ 'web.ns': ['10.130.0.10'], web: ['10.130.0.10'] }) });
  const allocator = new VirtualIpAllocator('246.246.0.0/16');
  // A dead tunnel: the stream opens but nothing ever answers on it.
  const adapter = podDnsLookup(async () => (dead ? new PassThrough() : net.connect(pod.tcpPort, '127.0.0.1')), { timeoutMs: 500 });
  const undo = new UndoStack();
  const log: string[] = [];
  let during = '';
  try {
    const dns = await startVpnDns({
      policy: { clusterDomain: 'cluster.local', includeSuffixes: [], excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES, excludes: [], mappedNamespaces: ['ns'], searchPath: [] },
      clusterLookup: adapter.lookup,
      translate: (ip) => (covers('10.130.0.0/16', `${ip}/32`) ? allocator.translate(ip) : undefined),
      listen: { host: '127.0.0.1', port: 53 },
      hostResolver: createHostResolverConfig('linux', paths),
      resolved: { routingDomains: [], searchDomains: [] },
      lookupTimeoutMs: 1000,
      readyDeadlineMs: dead ? 2000 : 10_000,
      resolverFiles: ['/etc/resolv.conf'],
      log: (l) => {
        log.push(l);
        if (l.startsWith('vpn-tcp: the host resolves through us')) void fileNow().then((t) => (during = t));
      },
      undo,
    });
    const resolved: Record<string, string[] | string> = {};
    for (const name of ['web.ns', 'web', 'example.com', 'nowhere.example.org']) {
      resolved[name] = await systemLookup(name).catch((err: NodeJS.ErrnoException) => err.code ?? String(err));
    }
    const { stdout: getent } = await execa('getent', ['hosts', 'web.ns'], { reject: false });
    say('resolved', {
      method: dns.change.method, originalNameservers: dns.change.originalNameservers, podSuffixes: pod.suffixes.list(),
      recursion: dns.recursion, resolved, getent: getent.trim(), file: await fileNow(),
      logged: log.filter((l) => l.startsWith('vpn-tcp: ') && !l.includes(' ms')),
    });
  } catch (err) {
    say('failed', { error: (err as Error).message, category: (err as { category?: string }).category, during, logged: log.filter((l) => l.startsWith('vpn-tcp: /etc/resolv.conf')) });
  } finally {
    const failures = await undo.unwind();
    adapter.close();
    await pod.close();
    await original.close();
    say('undone', { failures, file: await fileNow(), stateLeft: await stateExists() });
  }
}

async function main(): Promise<void> {
  await enterSandbox();
  say('before', { file: await fileNow() });
  if (scenario === 'session' || scenario === 'dead') await session(scenario === 'dead');
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
