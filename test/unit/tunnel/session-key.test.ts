import { expect } from 'chai';
import ssh2 from 'ssh2';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';

describe('per-session SSH keys', () => {
  it('are always parsable ed25519 pairs with a 32-byte public key (ssh2 alone fails ~1 in 400)', function () {
    this.timeout(30_000); // 2,000 key pairs: about 1 s on a quiet machine, several on a loaded one
    for (let i = 0; i < 2000; i++) {
      const key = generateSessionKey(`s${i}`);
      const parsed = ssh2.utils.parseKey(key.privateKey);
      expect(parsed, key.privateKey).to.not.be.instanceOf(Error);
      const blob = Buffer.from(key.publicKey.split(' ')[1], 'base64');
      // string "ssh-ed25519" (4 + 11 bytes), then string of the 32-byte key
      expect(blob.readUInt32BE(15)).to.equal(32);
      expect(key.publicKey.endsWith(` telepresence-s${i}`)).to.equal(true);
    }
  });
});
