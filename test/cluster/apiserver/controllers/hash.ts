// pod-template-hash: FNV-1a (32 bit) of the template, written with Kubernetes' "safe" alphabet
// (no vowels, no 0/1/3) the way rand.SafeEncodeString renders the decimal hash.
import { canonical } from './owners.js';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(text: string): string {
  return [...text].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

export function templateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(`${canonical(template)}#${collisionCount}`)));
}
