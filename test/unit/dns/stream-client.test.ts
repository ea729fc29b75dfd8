// The DNS stream client against a fake server on an in-memory stream: answers are taken only for
// their own id and question, and a full table of waiting questions fails at once instead of spinning.
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
});
