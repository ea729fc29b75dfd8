// The wire check in front of dns2's parser: a table of messages, each with the verdict it must get,
// and the property that matters: a message that passes parses into exactly what it says.
import { expect } from 'chai';
import dns2 from 'dns2';
import { checkDnsMessage, dnsErrorReply, skipName } from '../../../src/protocol/index.js';

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof Packet>;

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEADER_Q1 = 'abcd 0100 0001 0000 0000 0000'; // id abcd, RD, one question
const HEADER_R1 = (an: number) => `abcd 8180 0001 ${an.toString(16).padStart(4, '0')} 0000 0000`;
const WEB = '03 776562 00'; // "web"
const Q_A = `${WEB} 0001 0001`;

function query(name: string, type = Packet.TYPE.A, build?: (p: DnsPacket) => void): Buffer {
  const p = new Packet();
  p.header.id = 7;
  p.questions.push({ name, type, class: 1 } as DnsPacket['questions'][number]);
  build?.(p);
  return p.toBuffer();
}

const cases: { title: string; bytes: Buffer; kind: 'query' | 'response'; verdict: 'ok' | 'FORMERR' | 'NOTIMP' | 'drop'; reason?: RegExp }[] = [
  { title: 'a plain A query', bytes: query('web.ns.svc.cluster.local'), kind: 'query', verdict: 'ok' },
  { title: 'a query with an EDNS OPT record (as dig sends)', bytes: query('web', Packet.TYPE.A, (p) => p.additionals.push(Packet.Resource.EDNS([]) as never)), kind: 'query', verdict: 'ok' },
  { title: 'a query with an EDNS client-subnet option', bytes: query('web', Packet.TYPE.A, (p) => p.additionals.push(Packet.Resource.EDNS([(Packet.Resource.EDNS as unknown as { ECS(ip: string): object }).ECS('10.1.2.0/24')]) as never)), kind: 'query', verdict: 'ok' },
  { title: 'the 12-byte header claiming 65,535 records in each section', bytes: hex('0001 0100 ffff ffff ffff ffff'), kind: 'query', verdict: 'FORMERR', reason: /65535 questions/ },
  { title: 'one question, 65,535 answers claimed in 29 bytes', bytes: hex(`abcd 0100 0001 ffff 0000 0000 ${Q_A}`), kind: 'query', verdict: 'FORMERR', reason: /claims 65535 records in 21 bytes/ },
  { title: 'no question', bytes: hex('abcd 0100 0000 0000 0000 0000'), kind: 'query', verdict: 'FORMERR', reason: /0 questions/ },
  { title: 'two questions', bytes: hex(`abcd 0100 0002 0000 0000 0000 ${Q_A} ${Q_A}`), kind: 'query', verdict: 'FORMERR', reason: /2 questions/ },
  { title: 'fewer bytes than a header', bytes: hex('abcd 01'), kind: 'query', verdict: 'drop' },
  { title: 'a response sent to a server', bytes: hex(`${HEADER_R1(0)} ${Q_A}`), kind: 'query', verdict: 'drop' },
  { title: 'a query sent to the stream client', bytes: hex(`${HEADER_Q1} ${Q_A}`), kind: 'response', verdict: 'drop' },
  { title: 'opcode STATUS', bytes: hex(`abcd 1100 0001 0000 0000 0000 ${Q_A}`), kind: 'query', verdict: 'NOTIMP' },
  { title: 'a query larger than 4096 bytes', bytes: Buffer.concat([query('web'), Buffer.alloc(4100)]), kind: 'query', verdict: 'FORMERR', reason: /larger than a query/ },
  { title: 'a label of 64 bytes', bytes: hex(`${HEADER_Q1} 40 ${'61'.repeat(64)} 00 0001 0001`), kind: 'query', verdict: 'FORMERR', reason: /question/ },
  { title: 'a name of 256 bytes', bytes: hex(`${HEADER_Q1} ${('3f' + '61'.repeat(63)).repeat(4)} 03 616161 00 0001 0001`), kind: 'query', verdict: 'FORMERR' },
  { title: 'a name of 255 bytes', bytes: hex(`${HEADER_Q1} ${('3f' + '61'.repeat(63)).repeat(3)} 3d ${'61'.repeat(61)} 00 0001 0001`), kind: 'query', verdict: 'ok' },
  { title: 'a pointer to itself', bytes: hex(`${HEADER_Q1} c00c 0001 0001`), kind: 'query', verdict: 'FORMERR' },
  { title: 'a pointer forwards', bytes: hex(`${HEADER_Q1} c00e 03 776562 00 0001 0001`), kind: 'query', verdict: 'FORMERR' },
  { title: 'a reserved label type (0x40)', bytes: hex(`${HEADER_Q1} 41 61 00 0001 0001`), kind: 'query', verdict: 'FORMERR' },
  { title: 'a question cut before its class', bytes: hex(`${HEADER_Q1} ${WEB} 0001`), kind: 'query', verdict: 'FORMERR' },
  { title: 'an answer with a back pointer to the question', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0001 0001 00000004 0004 0a000001`), kind: 'response', verdict: 'ok' },
  { title: 'an A record of 5 bytes', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0001 0001 00000004 0005 0a00000101`), kind: 'response', verdict: 'FORMERR', reason: /record 1 \(type 1\)/ },
  { title: 'an AAAA record of odd length (dns2 would read past it)', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 001c 0001 00000004 0003 000000`), kind: 'response', verdict: 'FORMERR' },
  { title: 'a record whose data runs past the message', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0001 0001 00000004 0010 0a000001`), kind: 'response', verdict: 'FORMERR', reason: /runs past/ },
  { title: 'a CNAME whose name ends before its data does', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0005 0001 00000004 0003 c00c 00`), kind: 'response', verdict: 'FORMERR' },
  { title: 'a CNAME pointing back at the question name', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0005 0001 00000004 0002 c00c`), kind: 'response', verdict: 'ok' },
  { title: 'a TXT string longer than its data', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0010 0001 00000004 0002 05 61`), kind: 'response', verdict: 'FORMERR' },
  { title: 'an OPT option longer than the record', bytes: hex(`abcd 0100 0001 0000 0000 0001 ${Q_A} 00 0029 1000 00000000 0004 0008 0010`), kind: 'query', verdict: 'FORMERR' },
  { title: 'an ECS option of an unknown family (dns2 would not read its address)', bytes: hex(`abcd 0100 0001 0000 0000 0001 ${Q_A} 00 0029 1000 00000000 000b 0008 0007 0003 1800 0a0102`), kind: 'query', verdict: 'FORMERR' },
  { title: 'a CAA record of one byte', bytes: hex(`${HEADER_R1(1)} ${Q_A} c00c 0101 0001 00000004 0001 00`), kind: 'response', verdict: 'FORMERR' },
];

describe('DNS wire check', () => {
  for (const c of cases) {
    it(`${c.title}: ${c.verdict}`, () => {
      const check = checkDnsMessage(c.bytes, c.kind);
      const verdict = check.ok ? 'ok' : check.rcode === null ? 'drop' : check.rcode === 1 ? 'FORMERR' : check.rcode === 4 ? 'NOTIMP' : `rcode ${check.rcode}`;
      expect(verdict, check.ok ? '' : check.reason).to.equal(c.verdict);
      if (c.reason && !check.ok) expect(check.reason).to.match(c.reason);
      // What passes, dns2 parses into exactly the counts it claims (no record lost to a decoder error).
      if (check.ok) {
        const parsed = Packet.parse(c.bytes);
        const counts = [4, 6, 8, 10].map((at) => c.bytes.readUInt16BE(at));
        expect([parsed.questions.length, parsed.answers.length, parsed.authorities.length, parsed.additionals.length]).to.deep.equal(counts);
      }
    });
  }

  it('a name of 127 back pointers (the longest chain there can be in a small message) ends', () => {
    // Each pointer points at the one before it; the first at a root label.
    const parts = ['00'];
    for (let i = 0; i < 130; i++) parts.push(`c0${(12 + (i === 0 ? 0 : 1 + (i - 1) * 2)).toString(16).padStart(2, '0')}`);
    const bytes = hex(`${HEADER_Q1} ${parts.join(' ')}`);
    expect(skipName(bytes, bytes.length - 2, bytes.length)).to.equal(-1); // more than 127 hops
    expect(skipName(bytes, 12 + 1 + 2 * 100, bytes.length)).to.equal(12 + 1 + 2 * 100 + 2);
  });

  it('is linear in the bytes: a 64 KB response of 5,000 records checks in a few ms, whatever the counts', () => {
    const answers = Array.from({ length: 5000 }, () => 'c00c 0001 0001 00000004 0004 0a000001').join(' ');
    const bytes = hex(`abcd 8180 0001 1388 0000 0000 ${Q_A} ${answers}`);
    const started = performance.now();
    expect(checkDnsMessage(bytes, 'response')).to.deep.equal({ ok: true });
    expect(performance.now() - started).to.be.below(50);
  });

  it('the error reply echoes the id, opcode and RD, and sets QR and RA', () => {
    expect([...dnsErrorReply(hex('abcd 0100 ffff ffff ffff ffff'), 1)]).to.deep.equal([0xab, 0xcd, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...dnsErrorReply(hex('0102 7d00 0001 0000 0000 0000'), 4)].slice(0, 4)).to.deep.equal([1, 2, 0xf9, 0x84]);
  });
});
