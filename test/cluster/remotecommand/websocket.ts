// pods/exec and pods/attach over WebSocket channels: 0 stdin, 1 stdout, 2 stderr, 3 the Status, 4 resize
// (JSON sizes); v5.channel.k8s.io (what the API server's stream translator serves to kubectl >= 1.30) adds
// CLOSE (255, then the channel) so the client can end stdin; v4 (kubelet's own, also base64) cannot.
import type { IncomingMessage } from 'node:http';
import { type Duplex, PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { negotiateProtocol } from '../httpstream/handshake.js';
import { acceptWebSocket, CHANNEL_V4, CHANNEL_V4_BASE64, CHANNEL_V5, decodeChannelMessage, offeredProtocols, refuse, sendChannel } from '../httpstream/wsstream.js';
import { ResizeDecoder, statusJson } from './status.js';
import { type CommandIo, type RemoteCommandServerOptions, runToOutcome, type RemoteCommandTarget, type StreamOptions, TerminalSizes } from './types.js';

export const WS_PROTOCOLS = [CHANNEL_V5, CHANNEL_V4, CHANNEL_V4_BASE64];
const LEGACY_WS_PROTOCOLS = [CHANNEL_V4, CHANNEL_V4_BASE64];

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export function handleRemoteCommandWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, options: StreamOptions,
  target: RemoteCommandTarget, server: RemoteCommandServerOptions = {}): void {
  const protocol = negotiateProtocol(offeredProtocols(req), server.legacyWebSocket ? LEGACY_WS_PROTOCOLS : WS_PROTOCOLS);
  if (!protocol) {
    // x/net/websocket's answer to a failed subprotocol handshake; kubectl >= 1.30 then falls back to SPDY.
    refuse(socket, '403 Forbidden', '');
    return;
  }
  acceptWebSocket(req, socket, head, protocol, (ws) => serveChannels(ws, socket, protocol, options, target));
}

function serveChannels(ws: WebSocket, socket: Duplex, protocol: string, options: StreamOptions, target: RemoteCommandTarget): void {
  const base64 = protocol === CHANNEL_V4_BASE64;
  const v5 = protocol === CHANNEL_V5;
  const send = (channel: number, data: Buffer) => sendChannel(ws, socket, channel, data, base64);
  const abort = new AbortController();
  const sizes = new TerminalSizes();
  const decoder = new ResizeDecoder();
  const output = (channel: number) => new Writable({
    write(chunk: Buffer, _enc, done) {
      if (send(channel, chunk) || ws.readyState !== ws.OPEN) done();
      else socket.once('drain', () => done());
    },
  }).on('error', () => undefined); // a write after the client left
  const stdin = options.stdin ? new PassThrough() : undefined;
  const io: CommandIo = {
    options, sizes, signal: abort.signal, stdin,
    stdout: options.stdout ? output(Channel.stdout) : undefined,
    stderr: options.stderr ? output(Channel.stderr) : undefined,
  };
  // kubelet tells the client the streams are up with an empty message on the lowest channel it writes.
  send(options.stdout ? Channel.stdout : options.stderr ? Channel.stderr : Channel.error, Buffer.alloc(0));

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const m = decodeChannelMessage(raw, isBinary, base64);
    if (!m) return;
    if (m.channel === Channel.close && v5) {
      if (m.data[0] === Channel.stdin) stdin?.end();
    } else if (m.channel === Channel.stdin && stdin && !stdin.writableEnded) {
      if (!stdin.write(m.data)) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (m.channel === Channel.resize && options.tty) {
      for (const s of decoder.push(m.data)) sizes.push(s);
    }
    // Anything else (the client writing on an output channel) is dropped, as kubelet does.
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    abort.abort();
    for (const w of [io.stdout, io.stderr]) w?.destroy();
  });

  void (async () => {
    const outcome = await runToOutcome(target, io, abort);
    if (outcome === null) return;
    send(Channel.error, Buffer.from(statusJson(outcome, target.verb, target.command, v5 ? 'translator' : 'kubelet')));
    ws.close(1000);
  })();
}
