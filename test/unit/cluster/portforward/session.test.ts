// The SPDY session and kubelet's pairing, driven frame by frame from a scripted client over an in-memory
// transport: replies, half-close, the error text, resets, pings, window updates.
import { expect } from 'chai';
import { Duplex } from 'node:stream';
import { encodeFrame, FLAG_FIN, Frame, FrameParser } from '../../../cluster/httpstream/frames.js';
import { HeaderCompressor, HeaderDecompressor } from '../../../cluster/httpstream/headers.js';
import { SpdySession } from '../../../cluster/httpstream/session.js';
import { SpdyPortForwarder } from '../../../cluster/portforward/forward.js';
import { duplexPair } from './duplex-pair.js';

/** A scripted SPDY client: sends frames, records what the server sends (header blocks inflated). */
class Client {
  readonly frames: string[] = [];
  readonly session: SpdySession;
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private chain = Promise.resolve();
  dials: number[] = [];
  destroyed = false;
  /** pause/resume calls the session made on the transport, in order. */
  reading: string[] = [];
  /** What transport.write answers: false says "wait for drained()". */
  writable = true;
  pods: Duplex[] = [];

  constructor(dialResult: (port: number) => Promise<Duplex> | 'pair') {
    const forwarder = new SpdyPortForwarder({
      podName: 'x', namespace: 'default', uid: 'uid-1', sandboxId: 'sandbox-1',
      dial: async (port) => {
        this.dials.push(port);
        const r = dialResult(port);
        if (r !== 'pair') return r;
        const [server, pod] = duplexPair();
        this.pods.push(pod);
        return server;
      },
    });
    this.session = new SpdySession({
      write: (bytes) => { this.record(bytes); return this.writable; },
      pauseReading: () => { this.reading.push('pause'); },
      resumeReading: () => { this.reading.push('resume'); },
      destroy: () => { this.destroyed = true; },
    }, forwarder.accept);
  }

  private record(bytes: Buffer): void {
    for (const f of this.parser.push(bytes)) {
      this.chain = this.chain.then(async () => {
        if (f.type === 'synReply') {
          const h = await this.decompressor.decompress(f.headerBlock);
          this.frames.push(`SYN_REPLY ${f.streamId} headers=${h.size}`);
        } else if (f.type === 'data') {
          this.frames.push(`DATA ${f.streamId}${f.flags & FLAG_FIN ? ' FIN' : ''} ${JSON.stringify(f.data.toString())}`);
        } else if (f.type === 'rstStream') {
          this.frames.push(`RST_STREAM ${f.streamId} status=${f.status}`);
        } else if (f.type === 'ping') {
          this.frames.push(`PING ${f.id}`);
        } else if (f.type === 'windowUpdate') {
          this.frames.push(`WINDOW_UPDATE ${f.streamId} +${f.delta}`);
        } else {
          this.frames.push(f.type);
        }
      });
    }
  }

  async open(streamId: number, headers: Record<string, string>): Promise<void> {
    const block = await this.compressor.compress(new Map(Object.entries(headers).map(([k, v]) => [k, [v]])));
    this.send({ type: 'synStream', streamId, associatedStreamId: 0, priority: 0, slot: 0, flags: 0, headerBlock: block });
  }

  send(f: Frame): void {
    this.session.receive(encodeFrame(f));
  }

  data(streamId: number, text: string, fin = false): void {
    this.send({ type: 'data', streamId, flags: fin ? FLAG_FIN : 0, data: Buffer.from(text) });
  }

  /** Waits until the recorded frames satisfy a condition (or fails after 2 s with what was seen). */
  async until(cond: (frames: string[]) => boolean): Promise<void> {
    const deadline = Date.now() + 1500;
    while (!cond(this.frames)) {
      if (Date.now() > deadline) throw new Error(`condition not met; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.session.closed();
    this.compressor.close();
    this.decompressor.close();
  }
}

function readAll(s: Duplex): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => { text += c.toString(); });
    s.on('end', () => resolve(text));
  });
}

describe('portforward SPDY session', () => {
  it('replies to a pair, dials once, copies both ways and half-closes toward the pod', async () => {
    const c = new Client(() => 'pair');
    await c.open(1, { streamtype: 'error', port: '8080', requestid: '0' });
    c.data(1, '', true); // kubectl closes its side of the error stream at once
    await c.open(3, { streamtype: 'data', port: '8080', requestid: '0' });
    await c.until((f) => f.includes('SYN_REPLY 3 headers=0'));
    expect(c.dials).to.deep.equal([8080]);
    await new Promise((r) => setTimeout(r, 10));
    const pod = c.pods[0];
    const podRead = readAll(pod);
    c.data(3, 'ping');
    c.data(3, '', true); // the client's write side ends
    expect(await podRead).to.equal('ping'); // the pod saw EOF, and the session keeps reading from it
    pod.write('pong');
    pod.end();
    await c.until((f) => f.includes('DATA 1 FIN ""'));
    expect(c.frames).to.deep.equal([
      'SYN_REPLY 1 headers=0', 'SYN_REPLY 3 headers=0', 'DATA 3 "pong"', 'DATA 3 FIN ""', 'DATA 1 FIN ""',
    ]);
    expect(c.session.streamCount).to.equal(0);
    c.close();
  });

  it('writes kubelet\'s error text on the error stream when the pod refuses, then closes both', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.132.0.5:8081'),
      { code: 'ECONNREFUSED', address: '10.132.0.5', port: 8081 });
    const c = new Client(() => Promise.reject(refused));
    await c.open(1, { streamtype: 'error', port: '8081', requestid: '7' });
    await c.open(3, { streamtype: 'data', port: '8081', requestid: '7' });
    await c.until((f) => f.some((x) => x.startsWith('DATA 3 FIN')));
    expect(c.frames).to.deep.equal([
      'SYN_REPLY 1 headers=0', 'SYN_REPLY 3 headers=0',
      'DATA 1 "error forwarding port 8081 to pod sandbox-1, uid : dial tcp4 10.132.0.5:8081: connect: connection refused"',
      'DATA 1 FIN ""', 'DATA 3 FIN ""',
    ]);
    c.close();
  });

  const rejected: [string, Record<string, string>][] = [
    ['no port header', { streamtype: 'data', requestid: '0' }],
    ['port 0', { streamtype: 'data', port: '0', requestid: '0' }],
    ['port 70000', { streamtype: 'data', port: '70000', requestid: '0' }],
    ['no streamtype', { port: '80', requestid: '0' }],
    ['streamtype stdin', { streamtype: 'stdin', port: '80', requestid: '0' }],
  ];
  for (const [what, headers] of rejected) {
    it(`resets a stream with ${what} (RST_STREAM CANCEL, as spdystream's Reset)`, async () => {
      const c = new Client(() => 'pair');
      await c.open(1, headers);
      await c.until((f) => f.length > 0);
      expect(c.frames).to.deep.equal(['RST_STREAM 1 status=5']);
      expect(c.dials).to.deep.equal([]);
      c.close();
    });
  }

  it('refuses an even (server-side) or repeated stream id with PROTOCOL_ERROR', async () => {
    const c = new Client(() => 'pair');
    await c.open(2, { streamtype: 'error', port: '80', requestid: '0' });
    await c.open(5, { streamtype: 'error', port: '80', requestid: '1' });
    await c.open(5, { streamtype: 'data', port: '80', requestid: '1' });
    await c.until((f) => f.length >= 3);
    expect(c.frames).to.deep.equal(['RST_STREAM 2 status=1', 'SYN_REPLY 5 headers=0', 'RST_STREAM 5 status=1']);
    c.close();
  });

  it('answers the client\'s (odd) pings and ignores even ones, SETTINGS and WINDOW_UPDATE', async () => {
    const c = new Client(() => 'pair');
    c.send({ type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 1024 }] });
    c.send({ type: 'windowUpdate', streamId: 1, delta: 10 });
    c.send({ type: 'ping', id: 2 });
    c.send({ type: 'ping', id: 7 });
    await c.until((f) => f.length > 0);
    expect(c.frames).to.deep.equal(['PING 7']);
    c.close();
  });

  it('acknowledges consumed data with WINDOW_UPDATE in steps of at least 32 KiB, and resets on the client\'s RST', async () => {
    const c = new Client(() => 'pair');
    await c.open(1, { streamtype: 'error', port: '80', requestid: '0' });
    await c.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    await c.until(() => c.pods.length === 1);
    const pod = c.pods[0];
    let got = 0;
    pod.on('data', (b: Buffer) => { got += b.length; });
    for (let i = 0; i < 4; i++) c.data(3, 'x'.repeat(16 * 1024));
    const updates = () => c.frames.filter((x) => x.startsWith('WINDOW_UPDATE 3 +')).map((x) => Number(x.split('+')[1]));
    await c.until(() => updates().reduce((a, b) => a + b, 0) === 64 * 1024);
    expect(got).to.equal(64 * 1024);
    // Sent as the pod takes the data, never for less than half the default window.
    expect(updates().every((d) => d >= 32 * 1024)).to.equal(true);
    const closed = new Promise((r) => pod.once('close', r));
    c.send({ type: 'rstStream', streamId: 3, status: 5 });
    await closed;
    c.close();
  });

  it('pauses reading the transport while the pod does not take data, and resumes when it does', async () => {
    const c = new Client(() => 'pair');
    await c.open(1, { streamtype: 'error', port: '80', requestid: '0' });
    await c.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    await c.until(() => c.pods.length === 1);
    const pod = c.pods[0];
    pod.pause();
    for (let i = 0; i < 8; i++) c.data(3, 'y'.repeat(16 * 1024));
    await new Promise((r) => setTimeout(r, 20));
    expect(c.reading).to.deep.equal(['pause']);
    let got = 0;
    pod.on('data', (b: Buffer) => { got += b.length; });
    pod.resume();
    await c.until(() => got === 8 * 16 * 1024 && c.reading.length === 2);
    expect(c.reading).to.deep.equal(['pause', 'resume']);
    c.close();
  });

  it('holds the pod\'s data while the transport is full, until it drains', async () => {
    const c = new Client(() => 'pair');
    await c.open(1, { streamtype: 'error', port: '80', requestid: '0' });
    await c.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    await c.until(() => c.pods.length === 1);
    c.writable = false;
    const pod = c.pods[0];
    pod.write('a');
    pod.write('b');
    await c.until((f) => f.includes('DATA 3 "a"'));
    await new Promise((r) => setTimeout(r, 20));
    expect(c.frames.filter((f) => f.startsWith('DATA 3'))).to.deep.equal(['DATA 3 "a"']);
    c.writable = true;
    c.session.drained();
    await c.until((f) => f.includes('DATA 3 "b"'));
    c.close();
  });

  it('ends the session with GOAWAY when a header block does not inflate', async () => {
    const c = new Client(() => 'pair');
    c.send({ type: 'synStream', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, flags: 0,
      headerBlock: Buffer.from('not zlib at all') });
    await c.until((f) => f.length > 0);
    expect(c.frames).to.deep.equal(['goAway']);
    expect(c.destroyed).to.equal(true);
    expect(c.session.open).to.equal(false);
    c.close();
  });

  it('pairs streams of clients without requestid by stream id (error N, data N+2)', async () => {
    const c = new Client(() => 'pair');
    await c.open(1, { streamtype: 'error', port: '80' });
    await c.open(3, { streamtype: 'data', port: '80' });
    await c.until(() => c.dials.length === 1);
    expect(c.dials).to.deep.equal([80]);
    c.close();
  });
});
