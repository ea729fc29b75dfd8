// A fresh ed25519 key pair per session: only its public key is authorized in the proxy pod.
import ssh2 from 'ssh2';

export interface SessionKey {
  /** OpenSSH private key, kept in memory only. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... telepresence-<id>`, the line for authorized_keys. */
  publicKey: string;
}

export function generateSessionKey(sessionId: string): SessionKey {
  // ssh2's generator drops a leading zero byte of the public key (about 1 key in 400, measured:
  // 7 of 3000), which makes the key unparsable: such a pair is thrown away and made again.
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: `telepresence-${sessionId}` });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public.trim() };
  }
}
