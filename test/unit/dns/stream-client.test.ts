// The DNS stream client against a fake server on an in-memory stream: answers are taken only for
// their own id and question, a full table of waiting questions fails at once instead of spinning, and
// a frame that is no DNS answer drops the stream at once (the next question opens another).
import { expect } from 'chai';
import { Duplex, PassThrough } from 'node:stream';
import { buildQuery, Packet, type DnsPacket } from '../../../src/dns/records.js';
import { StreamDnsClient } from '../../../src/dns/stream-client.js';

/** A server that hands each question to `answer`, which may reply (a packet) or stay silent (null). */
function fakeServer(answer: (query: DnsPacket) => DnsPacket | null): () => Promise<Duplex> {
  return async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    let buffered = Buffer.alloc(0);
    toServer.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = Packet.parse(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        const reply = answer(query);
        if (reply === null) continue;
        const body = reply.toBuffer();
        const frame = Buffer.alloc(2 + body.length);
        frame.writeUInt16BE(body.length, 0);
        body.copy(frame, 2);
        toClient.write(frame);
      }
    });
    return Duplex.from({ readable: toClient, writable: toServer });
  };
}

function answerFor(query: DnsPacket, name = query.questions[0].name, id = query.header.id): DnsPacket {
  const reply = Packet.createResponseFromRequest(query);
  reply.header.id = id;
  reply.questions = [{ ...query.questions[0], name }];
  reply.answers = [{ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 4, address: '10.0.0.1' } as DnsPacket['answers'][number]];
  return reply;
}

describe('dns stream client', () => {
  it('takes the answer of its own id and question (any case of the name)', async () => {
    const client = new StreamDnsClient(fakeServer((q) => answerFor(q, q.questions[0].name.toUpperCase())), 'fake');
    const answer = await client.exchange(buildQuery('echo.demo', Packet.TYPE.A, 0), 1000);
    expect(answer.answers.map((a) => (a as { address: string }).address)).to.deep.equal(['10.0.0.1']);
    client.close();
  });

  it('rejects an answer for another question under the right id: the exchange times out', async () => {
    const client = new StreamDnsClient(fakeServer((q) => answerFor(q, 'other.name')), 'fake');
    let error = '';
    await client.exchange(buildQuery('echo.demo', Packet.TYPE.A, 0), 200).catch((e: Error) => { error = e.message; });
    expect(error).to.equal('no answer from fake within 200 ms');
    client.close();
  });

  it('rejects an answer with another id', async () => {
    const client = new StreamDnsClient(fakeServer((q) => answerFor(q, undefined, (q.header.id + 1) & 0xffff)), 'fake');
    let error = '';
    await client.exchange(buildQuery('echo.demo', Packet.TYPE.A, 0), 200).catch((e: Error) => { error = e.message; });
    expect(error).to.equal('no answer from fake within 200 ms');
    client.close();
  });

  it('with 70,000 questions unanswered the next one fails at once, and a later question is answered', async function () {
    this.timeout(30_000);
    let silent = true;
    const client = new StreamDnsClient(fakeServer((q) => (silent ? null : answerFor(q))), 'fake');
    const waiting: Promise<unknown>[] = [];
    for (let i = 0; i < 70_000; i++) waiting.push(client.exchange(buildQuery(`n${i}.demo`, Packet.TYPE.A, 0), 5_000).catch((e: Error) => e.message));
    const results = await Promise.all(waiting.slice(1024));
    expect(new Set(results)).to.deep.equal(new Set(['1024 questions are already waiting for fake']));
    // One more fails at once (before, with 65,536 waiting, the search for a free id never ended).
    const started = Date.now();
    const refused = await client.exchange(buildQuery('one.more', Packet.TYPE.A, 0), 5_000).catch((e: Error) => e.message);
    expect(refused).to.equal('1024 questions are already waiting for fake');
    expect(Date.now() - started).to.be.below(1000);
    client.close();
    silent = false;
    const answer = await client.exchange(buildQuery('localhost.demo', Packet.TYPE.A, 0), 1000);
    expect(answer.answers).to.have.length(1);
    client.close();
  });

  /** Streams the client opened, each with the ids of the questions written to it. */
  function manualPeer(): { open: () => Promise<Duplex>; streams: { stream: Duplex; ids: number[] }[] } {
    const streams: { stream: Duplex; ids: number[] }[] = [];
    const open = async () => {
      const ids: number[] = [];
      const stream = new Duplex({ read: () => undefined, write: (chunk: Buffer, _e, done) => (ids.push(chunk.readUInt16BE(2)), done()) });
      streams.push({ stream, ids });
      return stream;
    };
    return { open, streams };
  }
  const framed = (hex: string) => Buffer.from(`${(hex.length / 2).toString(16).padStart(4, '0')}${hex}`, 'hex');
  const settle = () => new Promise((r) => setImmediate(r));

  const notAnswers: [string, (id: string) => string][] = [
    ['a header claiming 65,535 records of each kind (dns2 would parse it for seconds)', (id) => `${id}8180ffffffffffffffff`],
    ['a query (QR clear)', (id) => `${id}0100000100000000000000`],
    ['shorter than a header', (id) => `${id}81`],
  ];
  for (const [what, body] of notAnswers) {
    it(`a frame that is not an answer, ${what}, drops the stream at once; the next question is answered on a new one`, async () => {
      const peer = manualPeer();
      const client = new StreamDnsClient(peer.open, 'fake');
      const failing = client.exchange(buildQuery('echo.demo', Packet.TYPE.A, 0), 5000).then(() => 'answered', (e: Error) => e.message);
      await settle();
      const [{ stream, ids }] = peer.streams;
      const started = performance.now();
      stream.push(framed(body(ids[0].toString(16).padStart(4, '0'))));
      const size = body('0000').length / 2;
      expect(await failing).to.equal(`the stream to fake is out of step: a ${size}-byte frame that is not a DNS answer`);
      expect(performance.now() - started).to.be.below(50);
      expect([stream.destroyed, client.waiting]).to.deep.equal([true, 0]);
      const next = client.exchange(buildQuery('echo.demo', Packet.TYPE.A, 0), 1000);
      await settle();
      expect(peer.streams).to.have.length(2);
      peer.streams[1].stream.push(framed(Buffer.from(answerFor(Object.assign(buildQuery('echo.demo', Packet.TYPE.A, peer.streams[1].ids[0]))).toBuffer()).toString('hex')));
      expect((await next).answers).to.have.length(1);
      client.close();
    });
  }

  it('a question asked after the stream was destroyed, before its close was seen, goes on a new stream', async () => {
    const peer = manualPeer();
    const client = new StreamDnsClient(peer.open, 'fake');
    const first = client.exchange(buildQuery('one.demo', Packet.TYPE.A, 0), 1000).catch((e: Error) => e.message);
    await settle();
    peer.streams[0].stream.destroy(); // 'close' comes on a later tick
    const second = client.exchange(buildQuery('two.demo', Packet.TYPE.A, 0), 1000);
    await settle();
    expect(await first).to.equal('the stream to fake closed');
    expect([peer.streams.length, peer.streams[1].ids.length]).to.deep.equal([2, 1]);
    peer.streams[1].stream.push(framed(Buffer.from(answerFor(buildQuery('two.demo', Packet.TYPE.A, peer.streams[1].ids[0])).toBuffer()).toString('hex')));
    expect((await second).questions[0].name).to.equal('two.demo');
    client.close();
  });
});
