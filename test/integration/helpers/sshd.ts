// A real OpenSSH sshd on 127.0.0.1 for tests: a fresh host key, only the given public key authorized
// (as root), TCP forwarding and the sftp subsystem allowed. stop() kills it and removes its directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../../helpers/poll.js';
import { freePort } from '../../helpers/ports.js';

export interface TestSshd {
  port: number;
  /** The directory holding its config and keys (a test may use it to find its processes). */
  dir: string;
  /** sshd's log (with `logLevel`), where a test reads what the server saw. */
  logFile: string;
  stop(): Promise<void>;
}


async function untilListening(port: number, deadlineMs: number): Promise<void> {
  await waitFor(`sshd to listen on ${port}`, deadlineMs, () => new Promise<true | undefined>((r) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
    s.on('error', () => r(undefined));
  }), 50);
}

/** `logLevel`: sshd's LogLevel, its log in `logFile` instead of on stderr (DEBUG1 names each auth method tried). */
export async function startTestSshd(authorizedKey: string, opts: { logLevel?: string } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), authorizedKey + '\n', { mode: 0o600 });
  const port = await freePort();
  writeFileSync(path.join(dir, 'sshd_config'), [
    `ListenAddress 127.0.0.1:${port}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password',
    'StrictModes no', 'UsePAM no', 'PidFile none', 'AllowTcpForwarding yes', 'Subsystem sftp /usr/lib/openssh/sftp-server',
    ...(opts.logLevel ? [`LogLevel ${opts.logLevel}`] : []),
  ].join('\n') + '\n');
  const logFile = path.join(dir, 'sshd.log');
  const sshd = execa('/usr/sbin/sshd', ['-D', ...(opts.logLevel ? ['-E', logFile] : ['-e']), '-f', path.join(dir, 'sshd_config')], { reject: false });
  await untilListening(port, 10_000);
  return {
    port,
    dir,
    logFile,
    stop: async () => {
      sshd.kill('SIGTERM');
      await sshd;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
