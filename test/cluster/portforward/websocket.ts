// The two WebSocket forms of pods/portforward: kubelet's channel protocol (what client-node's PortForward
// speaks: channel 2i = data and 2i+1 = error of the i-th port, each opening with the port as 2 bytes LE), and the
// SPDY tunnel that kubectl >= 1.30 tries first (`SPDY/3.1+portforward.k8s.io`: binary messages carry SPDY).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { SpdySession } from './session.js';
import { PortForwardTarget, SpdyPortForwarder } from './forward.js';
import { forwardErrorText, parsePortsQuery } from './messages.js';

export const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const BINARY_PROTOCOL = 'v4.channel.k8s.io';
const BASE64_PROTOCOL = 'v4.base64.channel.k8s.io';

/** Offered subprotocols, in the client's order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  return (raw ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/** kubelet's wsstream picks the first offered protocol it supports; none offered means the binary form. */
export function chooseChannelProtocol(offered: string[]): string | null {
  if (offered.length === 0) return '';
  return offered.find((p) => p === BINARY_PROTOCOL || p === BASE64_PROTOCOL) ?? null;
}

function refuse(socket: Duplex, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`);
}

// ws asks handleProtocols only when the client offered subprotocols; it answers with the one we serve.
const server = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  handleProtocols: (protocols: Set<string>) => chooseChannelProtocol([...protocols]) || false,
});

const tunnelRequests = new WeakSet<IncomingMessage>();
server.on('headers', (headers: string[], req: IncomingMessage) => {
  if (tunnelRequests.has(req)) headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`);
});

export function handleWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
  const offered = offeredProtocols(req);
  if (offered.includes(TUNNEL_PROTOCOL)) {
    // ws refuses subprotocols that are not RFC 7230 tokens, and '/' is not a token character: hide the header
    // from ws and answer it ourselves in the 'headers' event.
    delete req.headers['sec-websocket-protocol'];
    tunnelRequests.add(req);
    server.handleUpgrade(req, socket, head, (ws) => serveTunnel(ws, socket, target));
    return;
  }
  const protocol = chooseChannelProtocol(offered);
  if (protocol === null) {
    // What kubelet's websocket handshake answers when no offered subprotocol fits.
    refuse(socket, '403 Forbidden', '');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const ports = parsePortsQuery([...url.searchParams.getAll('ports'), ...url.searchParams.getAll('port')]);
  if (typeof ports === 'string') {
    refuse(socket, '400 Bad Request', ports);
    return;
  }
  server.handleUpgrade(req, socket, head, (ws) => serveChannels(ws, socket, ports, protocol === BASE64_PROTOCOL, target));
}

function serveTunnel(ws: WebSocket, socket: Duplex, target: PortForwardTarget): void {
  const forwarder = new SpdyPortForwarder(target);
  const session = new SpdySession({
    write: (bytes) => {
      ws.send(bytes, { binary: true });
      return !socket.writableNeedDrain;
    },
    pauseReading: () => ws.pause(),
    resumeReading: () => ws.resume(),
    destroy: () => ws.terminate(),
  }, forwarder.accept);
  socket.on('drain', () => session.drained());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) session.receive(data);
    else ws.close(1003, 'text messages are not part of the SPDY tunnel');
  });
  ws.on('error', () => undefined);
  ws.on('close', () => session.closed());
}

function serveChannels(ws: WebSocket, socket: Duplex, ports: number[], base64: boolean, target: PortForwardTarget): void {
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const pods: Array<Duplex | null> = ports.map(() => null);
  const early: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  let blocked = 0;
  const finished = () => {
    if (--open === 0) ws.close(1000);
  };
  const writeToPod = (i: number, pod: Duplex, data: Buffer) => {
    if (!pod.write(data)) {
      if (blocked++ === 0) ws.pause();
      pod.once('drain', () => {
        if (--blocked === 0) ws.resume();
      });
    }
  };

  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    target.dial(port).then((pod) => {
      if (ws.readyState !== WebSocket.OPEN) return void pod.destroy();
      pods[i] = pod;
      pod.on('error', () => undefined);
      for (const chunk of early[i]) writeToPod(i, pod, chunk);
      early[i] = [];
      pod.on('data', (chunk: Buffer) => {
        send(2 * i, chunk);
        if (socket.writableNeedDrain) {
          pod.pause();
          socket.once('drain', () => pod.resume());
        }
      });
      pod.once('close', finished);
    }, (err: unknown) => {
      send(2 * i + 1, Buffer.from(forwardErrorText(port, target.sandboxId ?? target.uid, err)));
      finished();
    });
  });

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (raw.length === 0) return;
    let channel = raw[0];
    let data = raw.subarray(1);
    if (!isBinary || base64) {
      channel -= 48;
      data = Buffer.from(data.toString('latin1'), 'base64');
    }
    // Odd channels are error channels, written by us only; kubelet drops what clients send there.
    if (channel % 2 === 1 || channel >= 2 * ports.length || data.length === 0) return;
    const i = channel / 2;
    const pod = pods[i];
    if (pod) writeToPod(i, pod, data);
    else early[i].push(data);
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    for (const pod of pods) pod?.destroy();
  });
}
