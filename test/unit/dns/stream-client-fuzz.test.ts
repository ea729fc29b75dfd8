// Seeded fuzz of the DNS stream client against a hostile peer on an in-memory stream: each question
// is answered by a script of frames — garbage, mutated answers (lying lengths and counts), answers
// with another id, name, type or class, stale answers, the right one (split and merged at random), a
// length that promises more than arrives — and maybe the stream's end. A byte-exact model of the
// framing says what must happen: the right answer, whole and in step, is taken; a wrong one never; a
// frame that cannot be a DNS answer puts the stream out of step, so it is dropped and the next
// question opens another. Nothing waits after an input; after each batch a clean question is answered.
import { expect } from 'chai';
import { Duplex } from 'node:stream';
import { buildQuery, Packet, type DnsPacket } from '../../../src/dns/records.js';
import { StreamDnsClient } from '../../../src/dns/stream-client.js';
import { expectBaseline, Fuzz, FUZZ_SEED, hex, resources, runFuzz, type Resources, stallMs } from '../../helpers/fuzz.js';

const INPUTS = 10_000;
const BATCHES = 10;
const BATCH_MS = stallMs(10_000);
const INPUT_MS = 500;
const NAMES = ['echo.demo', 'kubernetes.default.svc.cluster.local', 'a.b', 'web'];
const TYPES = [Packet.TYPE.A, Packet.TYPE.AAAA, Packet.TYPE.TXT];

type Action = 'right' | 'right-case' | 'split-right' | 'garbage' | 'mutated' | 'bomb' | 'wrong-id' | 'wrong-name' | 'wrong-type' | 'wrong-class' | 'stale' | 'short' | 'end' | 'close';
const ACTIONS: Action[] = ['right', 'right-case', 'split-right', 'garbage', 'mutated', 'mutated', 'bomb', 'wrong-id', 'wrong-name', 'wrong-type', 'wrong-class', 'stale', 'short', 'end', 'close'];

interface Input {
  name: string;
  type: number;
  actions: Action[];
  /** The seed of the input's own choices for the frames (noise, mutations, cuts). */
  seed: number;
  fuzz: Fuzz;
}

const frame = (body: Uint8Array): Buffer => Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);

const templates = new Map<string, Buffer>();

/** The answer (one A record) to `name type IN` under `id`, or one with something changed; built once per kind (dns2's writer is slow). */
function answerTo(id: number, name: string, type: number, change: Partial<{ id: number; name: string; type: number; class: number }> = {}): Buffer {
  const key = JSON.stringify([name, type, change.name, change.type, change.class]);
  let body = templates.get(key);
  if (body === undefined) {
    const reply = Packet.createResponseFromRequest(buildQuery(name, type, 0));
    const asked = change.name ?? name;
    reply.questions = [{ name: asked, type: change.type ?? type, class: change.class ?? Packet.CLASS.IN } as DnsPacket['questions'][number]];
    reply.answers = [{ name: asked, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 4, address: '10.0.0.1' } as DnsPacket['answers'][number]];
    body = Buffer.from(reply.toBuffer());
    templates.set(key, body);
  }
  const out = Buffer.from(body);
  out.writeUInt16BE(change.id ?? id, 0);
  return out;
}

/**
 * The stream client's rule for a frame that cannot be a DNS answer (so the stream is out of step):
 * shorter than a header, a query (QR clear), or more records than its length can hold.
 */
function outOfStep(message: Buffer): boolean {
  if (message.length < 12 || (message[2] & 0x80) === 0) return true;
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((o) => message.readUInt16BE(o));
  return 12 + 5 * qd + 11 * (an + ns + ar) > message.length;
}

/** The peer: a Duplex per stream the client opens; questions are read from it, scripts pushed into it. */
class HostilePeer {
  stream: Duplex | null = null;
  opened = 0;
  private waiting: ((id: number) => void) | null = null;
  /** The ids of the questions read, not yet taken. */
  private queries: number[] = [];

  readonly open = async (): Promise<Duplex> => {
    this.opened++;
    let buffered = Buffer.alloc(0);
    const stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _enc, done) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          this.queries.push(buffered.readUInt16BE(2));
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        }
        if (this.waiting && this.queries.length > 0) this.waiting(this.queries.shift()!);
        done();
      },
    });
    this.stream = stream;
    return stream;
  };

  nextQuery(): Promise<number> {
    if (this.queries.length > 0) return Promise.resolve(this.queries.shift()!);
    return new Promise((resolve) => (this.waiting = (q) => ((this.waiting = null), resolve(q))));
  }
}

/** Resolves once the stream has closed (both ends done), within a second. */
function closed(stream: Duplex): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream did not close within 1 s of its end')), 1000);
    stream.once('close', () => (clearTimeout(timer), resolve()));
  });
}

describe(`fuzz: the DNS stream client (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(BATCHES * BATCH_MS);

  it(`${INPUTS} hostile answer scripts: the right answer taken, a wrong one never, nothing left waiting`, async () => {
    const peer = new HostilePeer();
    const client = new StreamDnsClient(peer.open, 'the fuzz peer');
    let stale: Buffer | null = null;
    /** The model of the client's framing: bytes of the current stream not yet taken as frames. */
    let modelled = Buffer.alloc(0);
    const counts = { answered: 0, failed: 0, reopened: 0 };
    const clean = async () => {
      const answering = client.exchange(buildQuery('clean.check', Packet.TYPE.A, 0), 1000);
      const id = await Promise.race([peer.nextQuery(), answering.then(() => { throw new Error('answered unasked'); })]);
      if (modelled.length > 0) {
        // A stream left out of step by the last input (a frame begun, not ended): start afresh.
        modelled = Buffer.alloc(0);
        peer.stream!.destroy();
        await closed(peer.stream!);
        await answering.catch(() => undefined);
        return clean();
      }
      peer.stream!.push(frame(answerTo(id, 'clean.check', Packet.TYPE.A)));
      const answer = await answering;
      expect([answer.header.id, answer.questions[0].name]).to.deep.equal([id, 'clean.check']);
    };
    await clean(); // a warm-up
    const base: Resources = resources();

    await runFuzz<Input>({
      what: 'DNS stream client', seed: FUZZ_SEED, offset: 40, inputs: INPUTS, batches: BATCHES, batchMs: BATCH_MS, inputMs: INPUT_MS,
      make: (fuzz) => {
        const actions = Array.from({ length: 1 + fuzz.int(4) }, () => fuzz.pick(ACTIONS));
        const seed = fuzz.int(2 ** 32);
        return { name: fuzz.pick(NAMES), type: fuzz.pick(TYPES), actions, seed, fuzz: new Fuzz(seed) };
      },
      show: (input) => ({ name: input.name, type: input.type, actions: input.actions, seed: input.seed }),
      feed: async (input) => {
        const f = input.fuzz;
        const openedBefore = peer.opened;
        const outcome = client.exchange(buildQuery(input.name, input.type, 0), 1000).then((a) => a, (e: Error) => e);
        const asked = await Promise.race([peer.nextQuery(), outcome]);
        if (typeof asked !== 'number') throw new Error(`the question was never sent: ${asked instanceof Error ? asked.message : 'answered unasked'}`);
        const id = asked;
        const { name, type } = input;
        if (peer.opened !== openedBefore) modelled = Buffer.alloc(0);
        const right = answerTo(id, name, type);
        /** Must the exchange be answered (a right frame in step), may it be (a frame the client might take), or was the stream ended? */
        let must = false;
        let may = false;
        let ended = false;
        const sent: Buffer[] = [];
        for (const action of input.actions) {
          if (ended || must) break;
          if (action === 'end' || action === 'close') {
            ended = true;
            break;
          }
          let bytes: Buffer;
          switch (action) {
            case 'right': case 'split-right': bytes = frame(right); break;
            case 'right-case': bytes = frame(answerTo(id, name, type, { name: name.toUpperCase() })); break;
            case 'garbage': bytes = frame(f.bytes(f.int(40))); break;
            case 'mutated': bytes = f.mutateBytes(frame(right), { fields: [0, 6, 8, 10, 12].map((offset) => ({ offset, size: 2 as const })) }); break;
            case 'bomb': bytes = frame(Buffer.from(`${id.toString(16).padStart(4, '0')}8180ffffffffffffffff`, 'hex')); break;
            case 'wrong-id': bytes = frame(answerTo(id, name, type, { id: (id + 1) & 0xffff })); break;
            case 'wrong-name': bytes = frame(answerTo(id, name, type, { name: `x${name}` })); break;
            case 'wrong-type': bytes = frame(answerTo(id, name, type, { type: type === 1 ? 28 : 1 })); break;
            case 'wrong-class': bytes = frame(answerTo(id, name, type, { class: 3 })); break;
            case 'stale': bytes = stale ?? frame(f.bytes(12)); break;
            default: bytes = frame(right).subarray(0, 2 + f.int(right.length)); ended = true; // a length promising more, then the end
          }
          sent.push(bytes);
          // The model takes frames as the client does, in step or not.
          modelled = Buffer.concat([modelled, bytes]);
          while (!must && modelled.length >= 2 && modelled.length >= 2 + modelled.readUInt16BE(0)) {
            const message = modelled.subarray(2, 2 + modelled.readUInt16BE(0));
            modelled = modelled.subarray(2 + modelled.readUInt16BE(0));
            if (outOfStep(message)) {
              ended = true; // the client drops the stream: what follows is never read
              break;
            }
            const whole = message.equals(bytes.subarray(2)); // this action's frame, in step
            if (message.equals(right) || (action === 'right-case' && whole)) must = true;
            else if (!whole || !(action.startsWith('wrong') || action === 'stale')) may = true;
          }
        }
        stale = frame(right);
        const bytes = Buffer.concat(sent);
        const cuts = Array.from({ length: f.int(4) }, () => f.int(bytes.length + 1)).sort((a, b) => a - b);
        const stream = peer.stream!;
        for (const [i, from] of [0, ...cuts].entries()) {
          if (stream.destroyed) break;
          stream.push(bytes.subarray(from, [...cuts, bytes.length][i]));
          if (f.int(2) === 0) await new Promise((r) => setImmediate(r));
        }
        // Not answered and not ended by the script: the peer ends it (an exchange must never be left waiting).
        if (!must && !stream.destroyed) {
          if (input.actions.includes('close') || f.int(2) === 0) stream.destroy();
          else stream.push(null);
          modelled = Buffer.alloc(0);
        }
        // The next question waits until the client has seen the end (sent before, it would fail: the
        // client cannot know of an EOF still on its way).
        if (!must) await closed(stream);
        const result = await outcome;
        if (result instanceof Error) {
          if (must) throw new Error(`the right answer was not taken: ${result.message}`);
          counts.failed++;
        } else {
          if (!must && !may) throw new Error(`took an answer it must not: ${hex(result.toBuffer())}`);
          const [q] = result.questions;
          if (result.header.id !== id || q.name.toLowerCase() !== input.name || q.type !== input.type || q.class !== 1) {
            throw new Error(`took an answer to another question: ${JSON.stringify(result.header)} ${JSON.stringify(result.questions)}`);
          }
          counts.answered++;
        }
        if (client.waiting !== 0) throw new Error(`${client.waiting} questions still waiting`);
        if (ended) modelled = Buffer.alloc(0);
      },
      afterBatch: async () => {
        await clean();
        expect(client.waiting).to.equal(0);
        await expectBaseline('DNS stream client', base);
      },
    });
    counts.reopened = peer.opened;
    // Both outcomes, and many streams: the scripts reach every path.
    expect(Math.min(counts.answered, counts.failed, counts.reopened), JSON.stringify(counts)).to.be.above(INPUTS / 10);
    client.close();
  });
});
