// The session pins the host key its proxy operation read from the pod: connect gets exactly that key,
// and a key line that is not one fails before any connection, with the proxy undone.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { runFakeSession } from './fake-session.js';

describe('session: the pinned host key (fake cluster and tunnel)', () => {
  it("hands connect the fingerprint of the key the pod published (ssh-keygen -l's)", async () => {
    const run = await runFakeSession();
    expect(run.error).to.equal(null);
    expect(run.pinned).to.equal('SHA256:wijuCKPYeaCbt33nxKTF3sp2uTPbWW9k7e/ICYWAf9s');
  });

  it('a pod that published no key line: the session ends before connect and undoes the proxy', async () => {
    const run = await runFakeSession({ hostKey: 'not a key' });
    expect(run.error).to.equal('the SSH host key the proxy pod proxy-1 published is not an OpenSSH public key line (Unsupported key format): "not a key"; '
      + "the pod's image may be broken: delete the pod, or rebuild the image with proxy-pod/build.sh");
    expect(run.pinned).to.equal(null);
    expect(run.events).to.deep.equal(['openCluster', 'check', 'preflight', 'apply', 'undo proxy', 'undo preflight']);
    expect(readdirSync(run.journalDir)).to.deep.equal([]);
  });
});
