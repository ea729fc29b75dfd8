// mountPodRoot when sshfs cannot mount: FUSE's own refusal is a missing piece (the one warning), any
// other exit a failure with sshfs's words; the sftp channel is closed either way. A stand-in sshfs
// script plays the refusals (the real one is in test/integration/inbound/mount.test.ts).
import { expect } from 'chai';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { mountPodRoot } from '../../../src/inbound/mount.js';

function fakeSshfs(stderr: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tp-sshfs-')), 'sshfs');
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${stderr}' >&2\nexit 1\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('inbound: mountPodRoot when sshfs cannot mount', () => {
  const cases: [string, string, unknown][] = [
    ['FUSE refused', 'fusermount3: failed to open /dev/fuse: Operation not permitted',
      { kind: 'missing', piece: { kind: 'fuse-refused', detail: 'fusermount3: failed to open /dev/fuse: Operation not permitted' } }],
    ['the pod side failed', 'remote host has disconnected', { kind: 'failed', reason: 'sshfs exited: remote host has disconnected' }],
  ];
  for (const [what, stderr, expected] of cases) {
    it(`${what}: ${JSON.stringify(expected)}`, async () => {
      let channel: Duplex | undefined;
      const tunnel = { openSubsystem: async (name: string) => { expect(name).to.equal('sftp'); channel = new PassThrough(); return channel; } };
      const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'tp-mnt-'));
      const result = await mountPodRoot(tunnel, { mountPoint, fsname: 'telepresence-x', allowOther: false, sshfs: fakeSshfs(stderr), timeoutMs: 5000 });
      expect(result).to.deep.equal(expected);
      expect(channel?.destroyed).to.equal(true);
    });
  }
});
