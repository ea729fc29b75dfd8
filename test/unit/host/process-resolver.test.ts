// The user process's own resolver (src/host/process-resolver.ts): its resolv.conf text, the argv that
// runs a command in a private mount namespace, the slot's address and file and their repair; as root,
// the real thing: the command and its children read the session's file, the host's stays and shows no mount.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hostLockRepairer, processResolverOf, slotResources } from '../../../methods/host-lock.js';
import { resolvConfNameservers, resolvConfSearch } from '../../../src/dns/index.js';
import {
  findExecutable, prepareProcessResolver, privateResolverArgv, processResolvConf, PROCESS_RESOLV_MARKER,
} from '../../../src/host/process-resolver.js';
import { MARKER } from '../../../src/host/resolver-resolvconf.js';

const run = promisify(execFile);
const NOTE = "# (telepresence pid 42; the host's /etc/resolv.conf is not changed by this file)";

describe('host: the user process resolver', () => {
  it('the text: our nameserver only, the host\'s search and options kept, the chain\'s comments gone', () => {
    // The host's file as a later session (slot 1) wrote it over an earlier one's.
    const host = `# from DHCP\nsearch corp.example.com\n${MARKER}\n# (the original is saved in /s.json; \`telepresence\` restores it)\nnameserver 127.0.0.154\noptions ndots:2 timeout:1\n`;
    expect(processResolvConf(host, { address: '127.0.0.186', pid: 42 })).to.equal(
      `${PROCESS_RESOLV_MARKER}\n${NOTE}\nnameserver 127.0.0.186\nsearch corp.example.com\n# from DHCP\noptions ndots:2 timeout:1\n`);
  });

  it('the text with systemd-resolved: its stub replaced by ours, the session\'s search domain first, no repeats', () => {
    const stub = '# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ns1.svc.cluster.local lan\n';
    const text = processResolvConf(stub, { address: '127.0.0.187', pid: 42, searchFirst: ['ns1.svc.cluster.local'] });
    expect(resolvConfNameservers(text)).to.deep.equal([{ host: '127.0.0.187', port: 53 }]);
    expect(resolvConfSearch(text)).to.deep.equal(['ns1.svc.cluster.local', 'lan']);
    expect(text).to.equal(`${PROCESS_RESOLV_MARKER}\n${NOTE}\nnameserver 127.0.0.187\nsearch ns1.svc.cluster.local lan\n`
      + '# This is /run/systemd/resolve/stub-resolv.conf\noptions edns0 trust-ad\n');
    expect(processResolvConf('', { address: '127.0.0.186', pid: 42 })).to.equal(`${PROCESS_RESOLV_MARKER}\n${NOTE}\nnameserver 127.0.0.186\n`);
  });

  it('the argv: unshare, private propagation, sh binding the file, then the command with its arguments as given', () => {
    expect(privateResolverArgv({ unshare: '/usr/bin/unshare', sh: '/bin/sh' }, '/run/telepresence/vpn-tcp.resolv.conf', ['bash', '--norc', 'a b']))
      .to.deep.equal(['/usr/bin/unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c',
        'f=$1; shift; mount --bind "$f" /etc/resolv.conf || echo "telepresence: warning: could not bind-mount $f on /etc/resolv.conf: this process uses the host\'s resolver" >&2; exec "$@"',
        'telepresence', '/run/telepresence/vpn-tcp.resolv.conf', 'bash', '--norc', 'a b']);
    expect(findExecutable('sh', '/nonexistent')).to.match(/\/sh$/);
    expect(findExecutable('sh', '/nonexistent', [])).to.equal(null);
    expect(findExecutable('/nonexistent/x', '/bin')).to.equal(null);
  });

  it('each slot: its own process address (none a chain address) and a file beside its lock', () => {
    expect(processResolverOf(0)).to.deep.equal({ dnsAddress: '127.0.0.186', resolvConf: '/run/telepresence/vpn-tcp.resolv.conf' });
    expect(processResolverOf(2)).to.deep.equal({ dnsAddress: '127.0.0.188', resolvConf: '/run/telepresence/vpn-tcp.2.resolv.conf' });
    const chain = Array.from({ length: 17 }, (_, i) => slotResources(i).dnsAddress);
    const own = Array.from({ length: 17 }, (_, i) => processResolverOf(i).dnsAddress);
    expect(new Set([...chain, ...own]).size).to.equal(34);
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'tp-procres-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('repair removes a dead holder\'s file with its lock, and leaves a live holder\'s', async () => {
      const lock = path.join(dir, 'vpn-tcp.1.pid');
      const file = processResolverOf(1, dir).resolvConf;
      writeFileSync(lock, JSON.stringify({ pid: 999_999_9, slot: 1 }));
      writeFileSync(file, 'nameserver 127.0.0.187\n');
      const info = { pid: 999_999_9 } as Parameters<typeof hostLockRepairer.repair>[1];
      expect(await hostLockRepairer.repair({ file: lock }, info)).to.deep.equal([
        `removed the user process's resolv.conf ${file} of an earlier session (pid 9999999)`,
        `released the vpn-tcp lock ${lock} of an earlier session (pid 9999999)`]);
      expect([existsSync(lock), existsSync(file)]).to.deep.equal([false, false]);
      writeFileSync(lock, JSON.stringify({ pid: process.pid, slot: 1 }));
      writeFileSync(file, 'nameserver 127.0.0.187\n');
      expect(await hostLockRepairer.repair({ file: lock }, info)).to.deep.equal([]);
      expect(existsSync(file)).to.equal(true);
    });

    it('as root: the command and its children read the file as /etc/resolv.conf; the host\'s is unchanged and shows no mount; undo removes it', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const undos: (() => unknown)[] = [];
      const file = path.join(dir, 'vpn-tcp.resolv.conf');
      const text = processResolvConf(readFileSync('/etc/resolv.conf', 'utf8'), { address: '127.0.0.186', pid: process.pid });
      const hostBefore = readFileSync('/etc/resolv.conf', 'utf8');
      const mounted = (info: string) => info.split('\n').filter((l) => l.split(' ')[4] === '/etc/resolv.conf').length;
      const mountsBefore = mounted(readFileSync('/proc/self/mountinfo', 'utf8'));
      const lines: string[] = [];
      const resolver = await prepareProcessResolver({ file, text, undo: { push: (_, fn) => undos.push(fn) }, log: (l) => lines.push(l), pathVar: process.env.PATH });
      expect(lines).to.deep.equal([`resolver: the user process runs in its own mount namespace with ${file} as /etc/resolv.conf`]);
      // A child of the command (sh -c in sh -c) reads it too: the namespace is inherited.
      const argv = resolver.wrap(['sh', '-c', 'sh -c "cat /etc/resolv.conf"; echo ===; cat /proc/self/mountinfo'], process.env.PATH);
      const [seen, inside] = (await run(argv[0]!, argv.slice(1))).stdout.split('===\n');
      expect(seen).to.equal(text);
      expect(mounted(inside!)).to.equal(mountsBefore + 1);
      expect(readFileSync('/etc/resolv.conf', 'utf8')).to.equal(hostBefore);
      expect(mounted(readFileSync('/proc/self/mountinfo', 'utf8'))).to.equal(mountsBefore);
      // Not on PATH: left alone, so spawning it fails as without the namespace (`--run: command not found`).
      expect(resolver.wrap(['no-such-command-tp', 'x'], process.env.PATH)).to.deep.equal(['no-such-command-tp', 'x']);
      for (const fn of undos.reverse()) await fn();
      expect(existsSync(file)).to.equal(false);
    });

    it('a file that cannot be written: the error says why, and nothing is left', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const file = path.join(dir, 'missing-dir', 'vpn-tcp.resolv.conf');
      const err = await prepareProcessResolver({ file, text: 'x\n', undo: { push: () => undefined }, log: () => undefined }).catch((e: Error) => e);
      expect((err as Error).message).to.match(/ENOENT.*missing-dir/);
    });
  });
});
