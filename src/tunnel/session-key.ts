// A fresh ed25519 key pair per session: only its public key is authorized in the proxy pod.
import ssh2 from 'ssh2';

export interface SessionKey {
  /** OpenSSH private key, kept in memory only. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... telepresence-<id>`, the line for authorized_keys. */
  publicKey: string;
}

export function generateSessionKey(sessionId: string): SessionKey {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: `telepresence-${sessionId}` });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}
