// The pure part of the pod's volumes: --mount resolved, the path check's texts, sshfs's options (who may
// read the mount), and the one warning of each missing piece.
import { expect } from 'chai';
import { fuseRefusal, missingPieceWarning, mountPathProblem, mountRequest, sshfsArgs, type MissingPiece } from '../../../src/engine/mount.js';

describe('engine: mounts', () => {
  it('--mount true/false/PATH', () => {
    expect(mountRequest(true)).to.deep.equal({ kind: 'private' });
    expect(mountRequest(false)).to.deep.equal({ kind: 'none' });
    expect(mountRequest('/tmp/x')).to.deep.equal({ kind: 'path', path: '/tmp/x' });
  });

  const paths: [Parameters<typeof mountPathProblem>[1], string | null][] = [
    ['missing', null],
    ['empty-directory', null],
    ['non-empty-directory', '--mount /tmp/x: the directory is not empty: name an empty or a new directory'],
    ['not-a-directory', '--mount /tmp/x: not a directory: name an empty or a new directory'],
  ];
  for (const [state, problem] of paths) it(`a --mount path that is ${state}: ${problem ?? 'fine'}`, () => expect(mountPathProblem('/tmp/x', state)).to.equal(problem));

  it('sshfs: passive and in the foreground, named for the session, no allow_other unless under sudo', () => {
    expect(sshfsArgs({ mountPoint: '/tmp/tel-1/fs', fsname: 'telepresence-abc', allowOther: false })).to.deep.equal([
      '-f', '-o', 'passive,fsname=telepresence-abc,subtype=sshfs,transform_symlinks,no_contain_symlinks', 'pod:/', '/tmp/tel-1/fs',
    ]);
    expect(sshfsArgs({ mountPoint: '/m', fsname: 'telepresence-abc', allowOther: true })[2]).to.equal('passive,fsname=telepresence-abc,subtype=sshfs,transform_symlinks,no_contain_symlinks,allow_other');
  });

  const head = "Warning: the pod's volumes are not mounted ($TELEPRESENCE_ROOT is empty):";
  const warnings: [MissingPiece, string][] = [
    [{ kind: 'sshfs' }, `${head} sshfs is not on PATH; install the Debian package sshfs (apt-get install sshfs); --mount false silences this`],
    [{ kind: 'fusermount' }, `${head} fusermount3 is not on PATH; install the Debian package fuse3 (apt-get install fuse3); --mount false silences this`],
    [{ kind: 'dev-fuse' }, `${head} /dev/fuse does not exist; load the kernel module (modprobe fuse), or in a container, run it with --device /dev/fuse --cap-add SYS_ADMIN; --mount false silences this`],
    [{ kind: 'fuse-refused', detail: 'fuse: device not found' }, `${head} FUSE refused the mount (fuse: device not found); in a container, run it with --device /dev/fuse --cap-add SYS_ADMIN; --mount false silences this`],
  ];
  for (const [piece, text] of warnings) it(`one line for a missing ${piece.kind}`, () => {
    expect(missingPieceWarning(piece)).to.equal(text);
    expect(text).to.not.contain('\n');
  });

  it("FUSE's own refusals are told apart from the pod's", () => {
    expect(fuseRefusal('fuse: device not found, try \'modprobe fuse\' first\n')).to.equal("fuse: device not found, try 'modprobe fuse' first");
    expect(fuseRefusal('fusermount3: failed to open /dev/fuse: Operation not permitted\n')).to.equal('fusermount3: failed to open /dev/fuse: Operation not permitted');
    expect(fuseRefusal('remote host has disconnected\n')).to.equal(null);
  });
});
