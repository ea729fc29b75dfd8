// DNS over one long-lived byte stream (RFC 7766 framing: a 2-byte length before each message),
// with queries pipelined and matched to answers by id AND question (a reply with another id or
// another question is not taken for it). The questions waiting are bounded: a full table fails the
// next exchange at once (the server answers SERVFAIL) instead of searching for a free id. The stream
// is opened on first use and again after it ends, so a pod-side idle timeout or a lost SSH channel
// costs one reconnect.
import type { Duplex } from 'node:stream';
import { checkDnsMessage, countsFit } from '../protocol/index.js';
import { Packet, type DnsPacket } from './records.js';

export type OpenStream = () => Promise<Duplex>;

/** Questions waiting for their answer on one stream, at most (ids are 16 bits). */
export const MAX_PENDING = 1024;

interface Pending {
  /** `name type class` of the question, the name in lower case (answers may change its case). */
  question: string;
  resolve: (answer: DnsPacket) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class StreamDnsClient {
  private stream: Promise<Duplex> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = Math.floor(Math.random() * 0x10000);

  constructor(
    private readonly open: OpenStream,
    /** Names the far end in errors, e.g. `the pod's DNS server 127.0.0.1:9053`. */
    private readonly peer: string,
    private readonly maxPending = MAX_PENDING,
  ) {}

  /** Questions sent and not yet answered, failed or timed out. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Sends `query` (its id is replaced) and resolves with the answer of the same id. */
  async exchange(query: DnsPacket, timeoutMs: number): Promise<DnsPacket> {
    if (this.pending.size >= this.maxPending) throw new Error(`${this.pending.size} questions are already waiting for ${this.peer}`);
    const opening = this.connected();
    let stream = await opening;
    if (stream.destroyed || !stream.writable) {
      // Ended before its 'close' was seen: its questions fail now, as they would then (unless another
      // question has already replaced it), and this one goes on a new stream.
      if (this.stream === opening) {
        this.stream = null;
        this.failAll(new Error(`the stream to ${this.peer} closed`));
      }
      stream = await this.connected();
      if (stream.destroyed || !stream.writable) throw new Error(`the stream to ${this.peer} is closed`);
    }
    if (this.pending.size >= this.maxPending) throw new Error(`${this.pending.size} questions are already waiting for ${this.peer}`);
    const id = this.freeId();
    query.header.id = id;
    const question = questionKey(query);
    const body = query.toBuffer();
    const frame = Buffer.alloc(2 + body.length);
    frame.writeUInt16BE(body.length, 0);
    body.copy(frame, 2);
    return new Promise<DnsPacket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from ${this.peer} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { question, resolve, reject, timer });
      stream.write(frame);
    });
  }

  close(): void {
    const stream = this.stream;
    this.stream = null;
    this.failAll(new Error(`the stream to ${this.peer} was closed`));
    void stream?.then((s) => s.destroy(), () => undefined);
  }

  /** Ends: fewer than maxPending (< 65,536) ids are taken. */
  private freeId(): number {
    for (;;) {
      this.nextId = (this.nextId + 1) & 0xffff;
      if (!this.pending.has(this.nextId)) return this.nextId;
    }
  }

  private connected(): Promise<Duplex> {
    if (this.stream === null) {
      const opening = this.open().then(
        (stream) => {
          this.attach(stream, opening);
          return stream;
        },
        (err: unknown) => {
          if (this.stream === opening) this.stream = null;
          throw new Error(`cannot open a stream to ${this.peer}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      this.stream = opening;
    }
    return this.stream;
  }

  private attach(stream: Duplex, opening: Promise<Duplex>): void {
    let buffered: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const size = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + size);
        buffered = buffered.subarray(2 + size);
        // Not an answer at all: a length before it lied, so no later frame can be trusted. The stream
        // is dropped (the questions on it fail now, the next opens another) instead of misread for good.
        if (outOfStep(message)) {
          gone(`is out of step: a ${size}-byte frame that is not a DNS answer`);
          return void stream.destroy();
        }
        this.deliver(message);
      }
    });
    const gone = (why: string) => {
      if (this.stream !== opening) return;
      this.stream = null;
      this.failAll(new Error(`the stream to ${this.peer} ${why}`));
    };
    stream.on('end', () => {
      gone('ended');
      stream.end();
    });
    stream.on('close', () => gone('closed'));
    stream.on('error', (err: Error) => gone(`failed: ${err.message}`));
  }

  private deliver(message: Buffer): void {
    // Checked before dns2 parses it (its parser loops to the header's counts): a bad answer is dropped.
    if (!checkDnsMessage(message, 'response').ok) return;
    let answer: DnsPacket;
    try {
      answer = Packet.parse(message);
    } catch {
      return; // a garbled answer is left to time out, like a lost UDP datagram
    }
    const waiting = this.pending.get(answer.header.id);
    // Left to time out, like a lost datagram: an answer to a question we did not ask under that id.
    if (waiting === undefined || questionKey(answer) !== waiting.question) return;
    this.pending.delete(answer.header.id);
    clearTimeout(waiting.timer);
    waiting.resolve(answer);
  }

  private failAll(err: Error): void {
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(err);
    }
  }
}

/** The one question of a message as `name type class` (name in lower case, without a final dot). */
function questionKey(message: DnsPacket): string {
  const [q] = message.questions;
  if (q === undefined || message.questions.length !== 1) return '';
  return `${q.name.toLowerCase().replace(/\.$/, '')} ${q.type} ${q.class}`;
}

/**
 * A frame that cannot be a DNS answer, so the stream's framing is lost: shorter than a header, a query
 * (QR clear), or more questions and records than its length can hold. Constant time.
 */
function outOfStep(message: Buffer): boolean {
  return !countsFit(message) || (message[2] & 0x80) === 0;
}
