// Internet checksums (RFC 1071) and their incremental update (RFC 1624), so a rewritten header
// costs a few additions instead of a pass over the whole packet.

/** One's-complement sum of the 16-bit big-endian words of buf[start, end), added to `initial`, folded. */
export function onesSum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8; // an odd last byte is padded with zero
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for data whose folded sum is `sum`. */
export const finish = (sum: number): number => ~sum & 0xffff;

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for every 16-bit word m that became m'. `changes` is a
 * flat list of pairs [old, new, old, new, ...] of 16-bit words.
 */
export function adjust(checksum: number, changes: readonly number[]): number {
  let sum = ~checksum & 0xffff;
  for (let i = 0; i < changes.length; i += 2) sum += (~changes[i] & 0xffff) + changes[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** adjust() for a 32-bit value (an IPv4 address) replaced by another. */
export function adjust32(checksum: number, from: number, to: number): number {
  let sum = ~checksum & 0xffff;
  sum += (~(from >>> 16) & 0xffff) + (to >>> 16);
  sum += (~from & 0xffff) + (to & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
