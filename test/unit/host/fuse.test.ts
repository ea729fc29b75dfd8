// FUSE mounts from mountinfo (escaped paths, only fuse.* kinds) and the missing pieces of a workstation.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingFusePiece, parseFuseMounts, setReadahead } from '../../../src/host/fuse.js';

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '235 27 0:104 / /tmp/tel-abc/fs rw,nosuid,nodev,relatime - fuse.sshfs telepresence-abc rw,user_id=0,group_id=0',
  '236 27 0:105 / /home/u/my\\040volumes rw,nosuid,nodev - fuse.sshfs telepresence-def rw,user_id=1000,group_id=1000',
  '237 27 0:106 / /run/user/1000/doc rw - fuse.portal portal rw',
].join('\n');

describe('host: FUSE', () => {
  it('lists the FUSE mounts of mountinfo, paths unescaped', () => {
    expect(parseFuseMounts(MOUNTINFO)).to.deep.equal([
      { device: '0:104', mountPoint: '/tmp/tel-abc/fs', fstype: 'fuse.sshfs', source: 'telepresence-abc' },
      { device: '0:105', mountPoint: '/home/u/my volumes', fstype: 'fuse.sshfs', source: 'telepresence-def' },
      { device: '0:106', mountPoint: '/run/user/1000/doc', fstype: 'fuse.portal', source: 'portal' },
    ]);
  });

  it("writes a device's readahead under the bdi directory, and refuses a device that is not MAJOR:MINOR", () => {
    const bdi = mkdtempSync(path.join(os.tmpdir(), 'tp-fuse-bdi-'));
    mkdirSync(path.join(bdi, '0:104'));
    expect(setReadahead('0:104', 4096, bdi)).to.equal(true);
    expect(readFileSync(path.join(bdi, '0:104', 'read_ahead_kb'), 'utf8')).to.equal('4096\n');
    expect(setReadahead('0:999', 4096, bdi)).to.equal(false);
    expect(setReadahead('../0:104', 4096, bdi)).to.equal(false);
  });

  it('names the first missing piece: sshfs, then fusermount3 (not for root), then /dev/fuse', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'tp-fuse-bin-'));
    const tool = (name: string) => { writeFileSync(path.join(bin, name), '#!/bin/sh\n'); chmodSync(path.join(bin, name), 0o755); };
    const devFuse = path.join(bin, 'no-such-device');
    expect(missingFusePiece({ PATH: bin }, false, devFuse)).to.deep.equal({ kind: 'sshfs' });
    tool('sshfs');
    expect(missingFusePiece({ PATH: bin }, false, devFuse)).to.deep.equal({ kind: 'fusermount' });
    expect(missingFusePiece({ PATH: bin }, true, devFuse)).to.deep.equal({ kind: 'dev-fuse' });
    tool('fusermount3');
    expect(missingFusePiece({ PATH: bin }, false, devFuse)).to.deep.equal({ kind: 'dev-fuse' });
    writeFileSync(devFuse, '');
    expect(missingFusePiece({ PATH: bin }, false, devFuse)).to.equal(null);
  });
});
