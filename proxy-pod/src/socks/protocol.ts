// The SOCKSv5 wire codec of the proxy pod, with Tor's RESOLVE (F0) and RESOLVE_PTR (F1) extensions
// exactly as torsocks speaks them. Pure: bytes in, events and reply bytes out; no sockets here.
//
// Wire contract between the workstation (torsocks, the launcher's readiness check) and the pod.
// SOCKS_WIRE_VERSION names this module's contract. A compatible change keeps every byte that an
// existing client sends or reads: accepting a new command or address type that used to get 07,
// adding log fields. An incompatible change (a different reply length, a different code for an
// existing case) bumps the version, and the launcher must then check the pod image's version.
//
// Layouts (RFC 1928; Tor's socks-extensions.txt and connection_ap_handshake_socks_resolved;
// torsocks' socks5.c is the reader that must be satisfied):
//   greeting        05 NMETHODS METHODS...        -> 05 00 (no auth), or 05 FF and close
//   (relay mode)                                  -> 05 02 (username/password), or 05 FF and close
//   RFC 1929 auth   01 ULEN UNAME PLEN PASSWD      -> 01 00 (accepted), or 01 01 and close
//   request         05 CMD 00 ATYP ADDR PORT(2)
//   CONNECT reply   05 REP 00 01 BND.ADDR(4) BND.PORT(2)   torsocks reads exactly 10 bytes
//   RESOLVE reply   05 00 00 01 IPv4(4) 00 00              torsocks reads 4 + 4; Tor adds port 0
//   RESOLVE_PTR     05 00 00 03 LEN NAME 00 00             torsocks reads 5 + LEN; Tor adds port 0
//   failure         05 REP 00 01 00 00 00 00 00 00         any command; then the server closes
//                   (src/protocol's socksReply, with the REP codes shared by every SOCKS speaker here)
// torsocks sends a RESOLVE request padded to 4 + 1 + 255 + 2 bytes whatever the name's length:
// the bytes after the request are ignored, never read as a second request.
import { SOCKS_REPLY } from '../../../src/protocol/index.js';

export const SOCKS_WIRE_VERSION = 1;

export const SOCKS_VERSION = 0x05;
export const AUTH_NONE = 0x00;
export const AUTH_NO_ACCEPTABLE = 0xff;
/** RFC 1929: username/password (the proxy-via relay's method). */
export const AUTH_USERNAME_PASSWORD = 0x02;
/** RFC 1929's sub-negotiation version byte. */
export const USERPASS_VERSION = 0x01;

export const COMMAND = { CONNECT: 0x01, RESOLVE: 0xf0, RESOLVE_PTR: 0xf1 } as const;
export const ADDRESS_TYPE = { IPV4: 0x01, DOMAIN: 0x03, IPV6: 0x04 } as const;

export type SocksCommand = 'connect' | 'resolve' | 'resolve-ptr';
export type SocksAddress = { type: 'ipv4'; host: string } | { type: 'domain'; host: string };
export interface SocksRequest {
  command: SocksCommand;
  address: SocksAddress;
  port: number;
}

export type DecodeEvent =
  | { type: 'greeting'; methods: number[] }
  /** RFC 1929's username and password (only when the decoder expects them). */
  | { type: 'auth'; username: string; password: string }
  | { type: 'request'; request: SocksRequest }
  /** A request this server does not carry out: answer 07 and close. */
  | { type: 'unsupported'; reason: string }
  /** Not SOCKSv5 at all: close without a reply. */
  | { type: 'malformed'; reason: string };

type Step = { event: DecodeEvent; consumed: number } | null;

const COMMANDS: Record<number, SocksCommand> = {
  [COMMAND.CONNECT]: 'connect',
  [COMMAND.RESOLVE]: 'resolve',
  [COMMAND.RESOLVE_PTR]: 'resolve-ptr',
};

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** The greeting at the start of `buf`, or null when more bytes are needed. */
export function decodeGreeting(buf: Buffer): Step {
  if (buf.length < 1) return null;
  if (buf[0] !== SOCKS_VERSION) {
    return { event: { type: 'malformed', reason: `version ${hex(buf[0])} is not SOCKSv5` }, consumed: buf.length };
  }
  if (buf.length < 2) return null;
  const count = buf[1];
  if (buf.length < 2 + count) return null;
  return { event: { type: 'greeting', methods: [...buf.subarray(2, 2 + count)] }, consumed: 2 + count };
}

/** An RFC 1929 username/password message at the start of `buf`, or null when more bytes are needed. */
export function decodeUserPass(buf: Buffer): Step {
  if (buf.length < 1) return null;
  if (buf[0] !== USERPASS_VERSION) {
    return { event: { type: 'malformed', reason: `auth version ${hex(buf[0])} is not RFC 1929's 0x01` }, consumed: buf.length };
  }
  if (buf.length < 2) return null;
  const userEnd = 2 + buf[1];
  if (buf.length < userEnd + 1) return null;
  const passEnd = userEnd + 1 + buf[userEnd];
  if (buf.length < passEnd) return null;
  const username = buf.subarray(2, userEnd).toString('latin1');
  const password = buf.subarray(userEnd + 1, passEnd).toString('latin1');
  return { event: { type: 'auth', username, password }, consumed: passEnd };
}

/** The request at the start of `buf`, or null when more bytes are needed. */
export function decodeRequest(buf: Buffer): Step {
  if (buf.length < 1) return null;
  if (buf[0] !== SOCKS_VERSION) {
    return { event: { type: 'malformed', reason: `version ${hex(buf[0])} is not SOCKSv5` }, consumed: buf.length };
  }
  if (buf.length < 4) return null;
  const command = COMMANDS[buf[1]];
  // Answered as soon as the header is known, as Telepresence 1 did: the rest is never needed.
  if (command === undefined) {
    return { event: { type: 'unsupported', reason: `command ${hex(buf[1])}` }, consumed: buf.length };
  }
  const atyp = buf[3];
  if (atyp === ADDRESS_TYPE.IPV4) {
    if (buf.length < 10) return null;
    const host = [...buf.subarray(4, 8)].join('.');
    return { event: { type: 'request', request: { command, address: { type: 'ipv4', host }, port: buf.readUInt16BE(8) } }, consumed: 10 };
  }
  if (atyp === ADDRESS_TYPE.DOMAIN) {
    if (buf.length < 5) return null;
    const end = 5 + buf[4];
    if (buf.length < end + 2) return null;
    const host = buf.subarray(5, end).toString('latin1');
    return { event: { type: 'request', request: { command, address: { type: 'domain', host }, port: buf.readUInt16BE(end) } }, consumed: end + 2 };
  }
  const what = atyp === ADDRESS_TYPE.IPV6 ? 'IPv6 address' : `address type ${hex(atyp)}`;
  return { event: { type: 'unsupported', reason: what }, consumed: buf.length };
}

/**
 * Incremental decoder for one client connection: feed it chunks as they arrive; it emits the
 * greeting, then one request (or an error), then keeps what follows the request for the target.
 */
export class SocksDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';

  /** `auth`: a username/password message follows the greeting (the server selects only method 02). */
  constructor(private readonly options: { auth?: boolean } = {}) {}

  push(chunk: Buffer): DecodeEvent[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: DecodeEvent[] = [];
    while (this.stage !== 'done') {
      const decode = this.stage === 'greeting' ? decodeGreeting : this.stage === 'auth' ? decodeUserPass : decodeRequest;
      const step = decode(this.pending);
      if (step === null) break;
      this.pending = this.pending.subarray(step.consumed);
      events.push(step.event);
      if (step.event.type === 'greeting') this.stage = this.options.auth ? 'auth' : 'request';
      else if (step.event.type === 'auth') this.stage = 'request';
      else this.stage = 'done';
    }
    return events;
  }

  /** Bytes received after the request (data the client sent ahead for the target); cleared. */
  takeRest(): Buffer {
    const rest = this.stage === 'done' ? this.pending : Buffer.alloc(0);
    if (this.stage === 'done') this.pending = Buffer.alloc(0);
    return rest;
  }
}

/** Four bytes of a dotted-quad IPv4 address; throws on anything else. */
export function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split('.');
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255))) {
    throw new TypeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  }
  return Buffer.from(bytes);
}

export function isIPv4(text: string): boolean {
  try {
    ipv4Bytes(text);
    return true;
  } catch {
    return false;
  }
}

function port2(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(port);
  return b;
}

/** RFC 1929's status: 01 00 accepted, 01 01 refused (the server then closes). */
export function encodeUserPassReply(accepted: boolean): Buffer {
  return Buffer.from([USERPASS_VERSION, accepted ? 0x00 : 0x01]);
}

export function encodeMethodSelection(method: number): Buffer {
  return Buffer.from([SOCKS_VERSION, method]);
}

/** CONNECT success: the address the pod connected from (0.0.0.0 when it is not IPv4). */
export function encodeConnectReply(bindHost: string, bindPort: number): Buffer {
  const addr = isIPv4(bindHost) ? ipv4Bytes(bindHost) : Buffer.alloc(4);
  return Buffer.concat([Buffer.from([SOCKS_VERSION, SOCKS_REPLY.SUCCEEDED, 0x00, ADDRESS_TYPE.IPV4]), addr, port2(bindPort)]);
}

export function encodeResolveReply(ip: string): Buffer {
  return Buffer.concat([Buffer.from([SOCKS_VERSION, SOCKS_REPLY.SUCCEEDED, 0x00, ADDRESS_TYPE.IPV4]), ipv4Bytes(ip), port2(0)]);
}

/** RESOLVE_PTR success; a name longer than a length byte can say is cut at 255 bytes. */
export function encodeResolvePtrReply(name: string): Buffer {
  const bytes = Buffer.from(name, 'latin1').subarray(0, 255);
  return Buffer.concat([
    Buffer.from([SOCKS_VERSION, SOCKS_REPLY.SUCCEEDED, 0x00, ADDRESS_TYPE.DOMAIN, bytes.length]),
    bytes,
    port2(0),
  ]);
}

/** Errors whose meaning is "no such host": DNS failures and an unreachable host. */
const HOST_UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'EHOSTUNREACH', 'NAME_NOT_FOUND']);

/** The reply code for a failed CONNECT or RESOLVE, from the error's `code` (errno name). */
export function replyCodeForError(code: string | undefined): number {
  if (code === 'ECONNREFUSED') return SOCKS_REPLY.CONNECTION_REFUSED;
  if (code !== undefined && HOST_UNREACHABLE_CODES.has(code)) return SOCKS_REPLY.HOST_UNREACHABLE;
  return SOCKS_REPLY.GENERAL_FAILURE;
}
