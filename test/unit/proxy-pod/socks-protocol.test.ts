// The SOCKS codec byte by byte: requests as torsocks and curl send them, whole and split across
// chunks, and every reply layout against the bytes torsocks reads (the failure reply's is in
// test/unit/protocol/socks.test.ts).
import { expect } from 'chai';
import {
  SOCKS_WIRE_VERSION,
  SocksDecoder,
  decodeRequest,
  encodeConnectReply,
  encodeMethodSelection,
  encodeResolvePtrReply,
  encodeResolveReply,
  replyCodeForError,
  type DecodeEvent,
} from '../../../proxy-pod/src/socks/protocol.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

/** torsocks' RESOLVE request: the name, then the rest of a 255-byte field, then the port. */
function torsocksResolve(name: string): Buffer {
  const field = Buffer.alloc(255, 0xaa); // torsocks leaves the padding uninitialised
  field.write(name, 'latin1');
  return Buffer.concat([hex('05 f0 00 03'), Buffer.from([name.length]), field, hex('0000')]);
}

describe('proxy-pod SOCKS codec', () => {
  it('has a wire version', () => {
    expect(SOCKS_WIRE_VERSION).to.equal(1);
  });

  const cases: { name: string; bytes: Buffer; events: DecodeEvent[]; rest?: string }[] = [
    { name: 'greeting only', bytes: hex('050100'), events: [{ type: 'greeting', methods: [0] }] },
    { name: 'greeting, three methods', bytes: hex('0503000102'), events: [{ type: 'greeting', methods: [0, 1, 2] }] },
    {
      name: 'CONNECT by IPv4',
      bytes: hex('050100 05010001 0a000005 1f90'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'request', request: { command: 'connect', address: { type: 'ipv4', host: '10.0.0.5' }, port: 8080 } }],
    },
    {
      name: 'CONNECT by name',
      bytes: hex(`050100 05010003 0a ${ascii('my-service')} 0050`),
      events: [{ type: 'greeting', methods: [0] }, { type: 'request', request: { command: 'connect', address: { type: 'domain', host: 'my-service' }, port: 80 } }],
    },
    {
      name: 'CONNECT with data sent ahead',
      bytes: hex(`050100 05010001 7f000001 0050 ${ascii('GET /')}`),
      events: [{ type: 'greeting', methods: [0] }, { type: 'request', request: { command: 'connect', address: { type: 'ipv4', host: '127.0.0.1' }, port: 80 } }],
      rest: ascii('GET /'),
    },
    {
      name: 'RESOLVE as torsocks pads it',
      bytes: Buffer.concat([hex('050100'), torsocksResolve('web.ns')]),
      events: [{ type: 'greeting', methods: [0] }, { type: 'request', request: { command: 'resolve', address: { type: 'domain', host: 'web.ns' }, port: 0xaaaa } }],
      // The padding after the name: left over, and ignored by the server for a RESOLVE.
      rest: 'aa'.repeat(255 - 6 - 2) + '0000',
    },
    {
      name: 'RESOLVE_PTR by IPv4',
      bytes: hex('050100 05f10001 0a800001 0000'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'request', request: { command: 'resolve-ptr', address: { type: 'ipv4', host: '10.128.0.1' }, port: 0 } }],
    },
    {
      name: 'BIND is unsupported',
      bytes: hex('050100 05020001'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'unsupported', reason: 'command 0x02' }],
    },
    {
      name: 'UDP ASSOCIATE is unsupported',
      bytes: hex('050100 05030001 00000000 0000'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'unsupported', reason: 'command 0x03' }],
    },
    {
      name: 'IPv6 CONNECT is unsupported',
      bytes: hex('050100 05010004 00000000000000000000000000000001 0050'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'unsupported', reason: 'IPv6 address' }],
    },
    {
      name: 'unknown address type',
      bytes: hex('050100 05010009'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'unsupported', reason: 'address type 0x09' }],
    },
    { name: 'SOCKS4 greeting', bytes: hex('04010050 7f000001 00'), events: [{ type: 'malformed', reason: 'version 0x04 is not SOCKSv5' }] },
    { name: 'HTTP instead of SOCKS', bytes: Buffer.from('GET / HTTP/1.1\r\n'), events: [{ type: 'malformed', reason: 'version 0x47 is not SOCKSv5' }] },
    {
      name: 'request with a bad version',
      bytes: hex('050100 04010001'),
      events: [{ type: 'greeting', methods: [0] }, { type: 'malformed', reason: 'version 0x04 is not SOCKSv5' }],
    },
    { name: 'incomplete greeting', bytes: hex('0502 00'), events: [] },
    { name: 'incomplete name', bytes: hex(`050100 05010003 0a ${ascii('my-serv')}`), events: [{ type: 'greeting', methods: [0] }] },
    { name: 'name without its port', bytes: hex(`050100 05010003 02 ${ascii('ab')} 00`), events: [{ type: 'greeting', methods: [0] }] },
  ];

  describe('decodes whole', () => {
    for (const c of cases) {
      it(c.name, () => {
        const d = new SocksDecoder();
        expect(d.push(c.bytes)).to.deep.equal(c.events);
        expect(d.takeRest().toString('hex')).to.equal(c.rest ?? '');
      });
    }
  });

  describe('decodes one byte at a time, and split at every offset', () => {
    for (const c of cases) {
      it(c.name, () => {
        const single = new SocksDecoder();
        const events: DecodeEvent[] = [];
        for (const byte of c.bytes) events.push(...single.push(Buffer.from([byte])));
        expect(events).to.deep.equal(c.events);
        for (let cut = 1; cut < c.bytes.length; cut++) {
          const d = new SocksDecoder();
          const got = [...d.push(c.bytes.subarray(0, cut)), ...d.push(c.bytes.subarray(cut))];
          expect(got, `cut at ${cut}`).to.deep.equal(c.events);
        }
      });
    }
  });

  it('keeps bytes that arrive after the request for the target', () => {
    const d = new SocksDecoder();
    d.push(hex('050100 05010001 7f000001 0050 61'));
    d.push(hex('6263'));
    expect(d.takeRest().toString()).to.equal('abc');
    expect(d.takeRest().length).to.equal(0);
  });

  it('a request needs no more bytes than its own', () => {
    expect(decodeRequest(hex('05010001 0a000005 1f90 ffff'))?.consumed).to.equal(10);
    expect(decodeRequest(hex(`05010003 01 ${ascii('a')} 0050 ff`))?.consumed).to.equal(8);
    expect(decodeRequest(hex('05010001 0a000005 1f'))).to.equal(null);
  });

  const replies: { name: string; bytes: Buffer; expected: string }[] = [
    { name: 'no authentication', bytes: encodeMethodSelection(0x00), expected: '0500' },
    { name: 'no acceptable method', bytes: encodeMethodSelection(0xff), expected: '05ff' },
    { name: 'CONNECT success: 10 bytes, bound address and port', bytes: encodeConnectReply('10.132.0.7', 40000), expected: '05000001 0a840007 9c40' },
    { name: 'CONNECT success from an IPv6 socket', bytes: encodeConnectReply('::1', 1), expected: '05000001 00000000 0001' },
    { name: 'RESOLVE success: Tor layout with port 0', bytes: encodeResolveReply('10.96.0.10'), expected: '05000001 0a60000a 0000' },
    { name: 'RESOLVE_PTR success', bytes: encodeResolvePtrReply('web.ns.svc.cluster.local'), expected: `05000003 18 ${ascii('web.ns.svc.cluster.local')} 0000` },
    { name: 'RESOLVE_PTR answering the address itself', bytes: encodeResolvePtrReply('10.0.0.1'), expected: `05000003 08 ${ascii('10.0.0.1')} 0000` },
  ];
  describe('encodes replies', () => {
    for (const r of replies) {
      it(r.name, () => expect(r.bytes.toString('hex')).to.equal(r.expected.replace(/\s+/g, '')));
    }
    it('cuts a PTR name at 255 bytes', () => {
      const b = encodeResolvePtrReply('a'.repeat(300));
      expect(b[4]).to.equal(255);
      expect(b.length).to.equal(5 + 255 + 2);
    });
    it('refuses a non-IPv4 RESOLVE answer', () => {
      expect(() => encodeResolveReply('10.0.0')).to.throw('not an IPv4 address: "10.0.0"');
      expect(() => encodeResolveReply('10.0.0.256')).to.throw('not an IPv4 address: "10.0.0.256"');
    });
  });

  describe('maps errors to reply codes', () => {
    const table: [string | undefined, number][] = [
      ['ECONNREFUSED', 5],
      ['ENOTFOUND', 4],
      ['EAI_AGAIN', 4],
      ['EHOSTUNREACH', 4],
      ['NAME_NOT_FOUND', 4],
      ['ETIMEDOUT', 1],
      ['ENETUNREACH', 1],
      ['ECONNRESET', 1],
      [undefined, 1],
    ];
    for (const [code, reply] of table) it(`${code} -> ${reply}`, () => expect(replyCodeForError(code)).to.equal(reply));
  });
});
