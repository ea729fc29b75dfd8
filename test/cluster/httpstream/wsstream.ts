// kubelet's WebSocket channel framing (apimachinery's wsstream): each message is one channel byte and its data
// (binary protocols), or the channel as an ASCII digit and the data in base64 (text, `*.base64.channel.k8s.io`);
// and the one WebSocket server that accepts every streaming upgrade with the subprotocol the handler chose.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export const CHANNEL_V4 = 'v4.channel.k8s.io';
export const CHANNEL_V4_BASE64 = 'v4.base64.channel.k8s.io';
export const CHANNEL_V5 = 'v5.channel.k8s.io';

/** Offered subprotocols, in the client's order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  return (raw ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/** A plain HTTP answer instead of the upgrade (what kubelet's handshake writes when no subprotocol fits). */
export function refuse(socket: Duplex, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`);
}

export interface ChannelMessage { channel: number; data: Buffer }

/** The WebSocket message for `data` on `channel`. */
export function encodeChannelMessage(channel: number, data: Buffer, base64: boolean): { payload: Buffer | string; binary: boolean } {
  if (base64) return { payload: String.fromCharCode(48 + channel) + data.toString('base64'), binary: false };
  return { payload: Buffer.concat([Buffer.from([channel]), data]), binary: true };
}

/** A received message as channel and data; undefined for an empty message (kubelet skips those). */
export function decodeChannelMessage(raw: Buffer, isBinary: boolean, base64: boolean): ChannelMessage | undefined {
  if (raw.length === 0) return undefined;
  if (!isBinary || base64) return { channel: raw[0] - 48, data: Buffer.from(raw.subarray(1).toString('latin1'), 'base64') };
  return { channel: raw[0], data: raw.subarray(1) };
}

/** Sends on a channel while the socket is open; false when the transport asks to wait for 'drain'. */
export function sendChannel(ws: WebSocket, socket: Duplex, channel: number, data: Buffer, base64: boolean): boolean {
  if (ws.readyState !== WebSocket.OPEN) return true;
  const m = encodeChannelMessage(channel, data, base64);
  ws.send(m.payload, { binary: m.binary });
  return !socket.writableNeedDrain;
}

const chosen = new WeakMap<IncomingMessage, string>();
const answeredByUs = new WeakMap<IncomingMessage, string>();
// RFC 7230 token characters: ws refuses subprotocols outside them (e.g. `SPDY/3.1+portforward.k8s.io`).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const server = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  handleProtocols: (_offered: Set<string>, req: IncomingMessage) => chosen.get(req) || false,
});
server.on('headers', (headers: string[], req: IncomingMessage) => {
  const p = answeredByUs.get(req);
  if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
});

/** Completes the WebSocket handshake answering `protocol` ('' for none) and hands over the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, onOpen: (ws: WebSocket) => void): void {
  if (protocol !== '' && !TOKEN.test(protocol)) {
    // Hide the header from ws and answer it ourselves in the 'headers' event.
    delete req.headers['sec-websocket-protocol'];
    answeredByUs.set(req, protocol);
  } else chosen.set(req, protocol);
  server.handleUpgrade(req, socket, head, onOpen);
}
