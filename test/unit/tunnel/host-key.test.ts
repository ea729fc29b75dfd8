// Host key pinning, pure: OpenSSH's fingerprint format, what a pod's published key line may be, the
// verifier ssh2 calls (the pinned blob only) and the one line of a mismatch.
import { expect } from 'chai';
import ssh2 from 'ssh2';
import { ClusterError, EXIT_CODES, HostKeyMismatchError, TelepresenceError } from '../../../src/errors.js';
import { hostKeyCheck, hostKeyFingerprint, pinHostKey } from '../../../src/tunnel/host-key.js';

// Two keys and their fingerprints as `ssh-keygen -l -f` printed them (OpenSSH 9.2).
const A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrKCqbjKuflSlZdQDt38jc34vo6gcxi9YdSzUWghYti telepresence-proxy';
const A_FP = 'SHA256:wijuCKPYeaCbt33nxKTF3sp2uTPbWW9k7e/ICYWAf9s';
const B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDn6wMh97pTCXIMq1NnQ3C3dXmfyymkBqT4Bi2f+MdkS x';
const B_FP = 'SHA256:4q3rWEauO5KIWK8XWD+EmGiy4VF7qZo/IwD/wx+BmzQ';

const blobOf = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

describe('host key pinning', () => {
  it("fingerprints a key blob as ssh-keygen -l does (SHA256:, base64 without '=')", () => {
    expect([hostKeyFingerprint(blobOf(A)), hostKeyFingerprint(blobOf(B))]).to.deep.equal([A_FP, B_FP]);
  });

  it('pins a published key line, with or without its comment and trailing newline', () => {
    const pinned = pinHostKey(`${A}\n`, 'tp-abc');
    expect([pinned.pod, pinned.fingerprint, pinned.blob.equals(blobOf(A))]).to.deep.equal(['tp-abc', A_FP, true]);
    expect(pinHostKey(A.split(' ').slice(0, 2).join(' '), 'p').fingerprint).to.equal(A_FP);
  });

  it('refuses what is not one public key line, in one line naming the pod and the text', () => {
    const priv = ssh2.utils.generateKeyPairSync('ed25519').private;
    const cases: Array<[string, string]> = [
      ['garbage', 'Unsupported key format'],
      ['ssh-ed25519 AAAA', 'Malformed OpenSSH public key'],
      [`${A}\n${B}`, 'more than one line'],
      [priv, 'more than one line'],
    ];
    for (const [text, why] of cases) {
      let err: unknown;
      try { pinHostKey(text, 'tp-abc'); } catch (e) { err = e; }
      expect(err, text).to.be.instanceOf(ClusterError);
      expect((err as Error).message, text).to.not.contain('\n');
      expect((err as Error).message).to.equal(`the SSH host key the proxy pod tp-abc published is not an OpenSSH public key line (${why}): "${text.trim().slice(0, 60).replace(/\n/g, '\\n')}"; `
        + "the pod's image may be broken: delete the pod, or rebuild the image with proxy-pod/build.sh");
    }
  });

  it('the verifier accepts the pinned key only, and remembers the fingerprint of one it refused', () => {
    const right = hostKeyCheck(pinHostKey(A, 'p'));
    expect([right.verify(blobOf(A)), right.refused()]).to.deep.equal([true, null]);
    const wrong = hostKeyCheck(pinHostKey(A, 'p'));
    expect([wrong.verify(blobOf(B)), wrong.refused()]).to.deep.equal([false, B_FP]);
    // A prefix or an extension of the blob is another key.
    expect(hostKeyCheck(pinHostKey(A, 'p')).verify(blobOf(A).subarray(1))).to.equal(false);
    expect(hostKeyCheck(pinHostKey(A, 'p')).verify(Buffer.concat([blobOf(A), Buffer.from([0])]))).to.equal(false);
  });

  it('a mismatch is one line naming the pod and both fingerprints, exit code 255 as for a failed connection', () => {
    const err = new HostKeyMismatchError('tp-abc', A_FP, B_FP);
    expect(err.message).to.equal(`the proxy pod's SSH host key did not match (pod tp-abc: expected ${A_FP}, got ${B_FP}): `
      + "the connection is not to the pod this session started; try again, and if it repeats, check what is listening on the session's kubectl port-forward");
    expect(err.message).to.not.contain('\n');
    expect([err.name, err.category, EXIT_CODES[err.category], err instanceof TelepresenceError, err.expected, err.got])
      .to.deep.equal(['HostKeyMismatchError', 'cluster', 255, true, A_FP, B_FP]);
  });
});
