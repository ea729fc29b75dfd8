// A "pod" for reconnect tests: a real sshd on 127.0.0.1 reached through a "kubectl" on PATH that is a
// real process forwarding a free port to it, as `kubectl port-forward` does, so a test can kill or stop
// it by its pid. Writing "gone" to the mode file makes the next kubectl fail as for a deleted pod.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectToProxy, type ConnectTimeouts, type ProxyConnection } from '../../../src/tunnel/connect.js';
import { pinHostKey } from '../../../src/tunnel/host-key.js';
import type { SessionKey } from '../../../src/tunnel/session-key.js';
import { startTestSshd, type TestSshd } from './sshd.js';

const FAKE_KUBECTL = `#!/usr/bin/env node
const fs = require('node:fs');
const net = require('node:net');
if (fs.readFileSync(process.env.TP_FAKE_MODE, 'utf8').trim() === 'gone') {
  process.stderr.write('error: pods "tp-pod-1" not found\\n');
  process.exit(1);
}
const server = net.createServer((c) => {
  const s = net.connect(Number(process.env.TP_FAKE_SSHD_PORT), '127.0.0.1');
  c.pipe(s).pipe(c);
  c.on('error', () => s.destroy());
  s.on('error', () => c.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write('Forwarding from 127.0.0.1:' + server.address().port + ' -> 8022\\n'));
`;

export interface ForwardedSshd {
  sshd: TestSshd;
  /** A temp dir of the test's own (removed after). */
  dir: string;
  /** "ok" (written before each test) or "gone". */
  mode: string;
  /** connectToProxy to pod tp-pod-1 through the fake kubectl, its host key pinned. */
  connect(progress: (line: string) => void, more?: Partial<ConnectTimeouts>): Promise<ProxyConnection>;
}

/**
 * For a describe block: before() starts the sshd (authorizing `key`) and puts the fake kubectl first on
 * PATH; beforeEach() sets the mode to "ok"; after() restores the environment and removes both.
 */
export function useForwardedSshd(key: SessionKey, tmpPrefix: string): ForwardedSshd {
  const saved = { PATH: process.env.PATH, TP_FAKE_MODE: process.env.TP_FAKE_MODE, TP_FAKE_SSHD_PORT: process.env.TP_FAKE_SSHD_PORT };
  const pod = {
    connect: (progress, more = {}) => {
      const hostKey = pinHostKey(fs.readFileSync(path.join(pod.sshd.dir, 'host_key.pub'), 'utf8'), 'tp-pod-1');
      return connectToProxy({ kubectlArgs: [] }, 'tp-pod-1', key, { username: 'root', hostKey, sshConnectMs: 10_000, progress, ...more });
    },
  } as ForwardedSshd;
  before(async () => {
    pod.sshd = await startTestSshd(key.publicKey);
    pod.dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    fs.mkdirSync(path.join(pod.dir, 'bin'));
    fs.writeFileSync(path.join(pod.dir, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
    pod.mode = path.join(pod.dir, 'mode');
    process.env.PATH = `${path.join(pod.dir, 'bin')}:${process.env.PATH ?? ''}`;
    process.env.TP_FAKE_MODE = pod.mode;
    process.env.TP_FAKE_SSHD_PORT = String(pod.sshd.port);
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await pod.sshd?.stop();
    if (pod.dir) fs.rmSync(pod.dir, { recursive: true, force: true });
  });
  beforeEach(() => fs.writeFileSync(pod.mode, 'ok'));
  return pod;
}
