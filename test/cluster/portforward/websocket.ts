// The two WebSocket forms of pods/portforward: kubelet's channel protocol (what client-node's PortForward
// speaks: channel 2i = data and 2i+1 = error of the i-th port, each opening with the port as 2 bytes LE), and the
// SPDY tunnel that kubectl >= 1.30 tries first (`SPDY/3.1+portforward.k8s.io`: binary messages carry SPDY).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { SpdySession } from '../httpstream/session.js';
import { acceptWebSocket, CHANNEL_V4, CHANNEL_V4_BASE64, decodeChannelMessage, offeredProtocols, refuse, sendChannel } from '../httpstream/wsstream.js';
import { PortForwardTarget, SpdyPortForwarder } from './forward.js';
import { forwardErrorText, parsePortsQuery } from './messages.js';

export { offeredProtocols } from '../httpstream/wsstream.js';
export const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** kubelet's wsstream picks the first offered protocol it supports; none offered means the binary form. */
export function chooseChannelProtocol(offered: string[]): string | null {
  if (offered.length === 0) return '';
  return offered.find((p) => p === CHANNEL_V4 || p === CHANNEL_V4_BASE64) ?? null;
}

export function handleWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
  const offered = offeredProtocols(req);
  if (offered.includes(TUNNEL_PROTOCOL)) {
    acceptWebSocket(req, socket, head, TUNNEL_PROTOCOL, (ws) => serveTunnel(ws, socket, target));
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
  acceptWebSocket(req, socket, head, protocol, (ws) => serveChannels(ws, socket, ports, protocol === CHANNEL_V4_BASE64, target));
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
  const send = (channel: number, data: Buffer) => sendChannel(ws, socket, channel, data, base64);
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
    const m = decodeChannelMessage(raw, isBinary, base64);
    if (!m) return;
    const { channel, data } = m;
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
