// SOCKS5's reply codes (RFC 1928 6, REP) for every SOCKS speaker here: the pod's server
// (proxy-pod/src/socks), inject-tcp's relay and the workstation's clients. A code is wire (torsocks and
// curl read it: changing one is proxy-pod's SOCKS_WIRE_VERSION + 1); its text is what a client prints.

/** RFC 1928's REP values; X'09' to X'FF' are unassigned. */
export const SOCKS_REPLY = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

/** Each code in the words a client's error message uses (shorter than RFC 1928's; tests assert them). */
export const SOCKS_REPLY_TEXT: Readonly<Record<number, string>> = {
  [SOCKS_REPLY.SUCCEEDED]: 'succeeded',
  [SOCKS_REPLY.GENERAL_FAILURE]: 'general failure',
  [SOCKS_REPLY.NOT_ALLOWED]: 'not allowed',
  [SOCKS_REPLY.NETWORK_UNREACHABLE]: 'network unreachable',
  [SOCKS_REPLY.HOST_UNREACHABLE]: 'host unreachable',
  [SOCKS_REPLY.CONNECTION_REFUSED]: 'connection refused',
  [SOCKS_REPLY.TTL_EXPIRED]: 'TTL expired',
  [SOCKS_REPLY.COMMAND_NOT_SUPPORTED]: 'command not supported',
  [SOCKS_REPLY.ADDRESS_TYPE_NOT_SUPPORTED]: 'address type not supported',
};

/**
 * A reply with no bound address, VER REP RSV, ATYP IPv4, 0.0.0.0, port 0: every failure (to any command;
 * the server then closes), and the success inject-tcp's relay sends in the pod's stead. torsocks reads
 * exactly these 10 bytes.
 */
export function socksReply(rep: number): Buffer {
  return Buffer.from([0x05, rep, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}
