// SPDY/3.1 codec, byte by byte: frames encoded then decoded, exact encodings, the SPDY/3 dictionary, and the
// first frames kubectl 1.29 sent to our server (captured from a real session) decoded in order.
import { expect } from 'chai';
import zlib from 'node:zlib';
import { encodeFrame, Frame, FrameParser, FLAG_FIN } from '../../../cluster/httpstream/frames.js';
import {
  encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, parseHeaderBlock, SPDY3_DICTIONARY,
} from '../../../cluster/httpstream/headers.js';

/** The bytes kubectl 1.29 wrote after the upgrade for two forwarded connections that each sent "hi". */
const KUBECTL_129_CAPTURE = Buffer.from([
  '800300010000003e0000000100000000000078f9e3c6a7c202253a060606ce2248fc6482d22da30138e59514a526e642',
  '0b17d65450d0430aea22709eb030b03000000000ffff0000000101000000800300010000001800000003000000000000',
  '225233a8644a44d70b000000ffff00000003000000026869000000030100000080030001000000180000000500000000',
  '000082ea25d21a542b0c01000000ffff0000000501000000800300010000001700000007000000000000826a26ac0a8b',
  '4300000000ffff000000070000000268690000000701000000',
].join(''), 'hex');

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

const roundTrips: Frame[] = [
  { type: 'data', streamId: 3, flags: 0, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, flags: FLAG_FIN, data: Buffer.alloc(0) },
  { type: 'synStream', streamId: 1, associatedStreamId: 0, priority: 7, slot: 0, flags: 2, headerBlock: Buffer.from([1, 2, 3]) },
  { type: 'synReply', streamId: 5, flags: 1, headerBlock: Buffer.from([9]) },
  { type: 'headers', streamId: 5, flags: 0, headerBlock: Buffer.alloc(0) },
  { type: 'rstStream', streamId: 9, status: 5 },
  { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goAway', lastGoodStreamId: 11, status: 2 },
  { type: 'windowUpdate', streamId: 3, delta: 32768 },
];

const exactEncodings: [Frame, string][] = [
  [{ type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hi') }, '00000003' + '01000002' + '6869'],
  [{ type: 'rstStream', streamId: 1, status: 5 }, '80030003' + '00000008' + '00000001' + '00000005'],
  [{ type: 'ping', id: 1 }, '80030006' + '00000004' + '00000001'],
  [{ type: 'goAway', lastGoodStreamId: 7, status: 0 }, '80030007' + '00000008' + '00000007' + '00000000'],
  [{ type: 'windowUpdate', streamId: 3, delta: 65536 }, '80030009' + '00000008' + '00000003' + '00010000'],
  [{ type: 'synReply', streamId: 1, flags: 0, headerBlock: Buffer.from('ab') }, '80030002' + '00000006' + '00000001' + '6162'],
  [{ type: 'synStream', streamId: 1, associatedStreamId: 0, priority: 3, slot: 0, flags: 1, headerBlock: Buffer.alloc(0) },
    '80030001' + '0100000a' + '00000001' + '00000000' + '6000'],
  [{ type: 'settings', flags: 0, entries: [{ flags: 1, id: 7, value: 1 }] }, '80030004' + '0000000c' + '00000001' + '01000007' + '00000001'],
];

describe('portforward SPDY frames', () => {
  for (const f of roundTrips) {
    it(`${f.type} survives encode then decode`, () => {
      expect(new FrameParser().push(encodeFrame(f))).to.deep.equal([f]);
    });
  }

  for (const [f, hex] of exactEncodings) {
    it(`${f.type} encodes to ${hex}`, () => {
      expect(encodeFrame(f).toString('hex')).to.equal(hex);
    });
  }

  it('reassembles frames split at every byte boundary', () => {
    const bytes = Buffer.concat(roundTrips.map(encodeFrame));
    for (const step of [1, 3, 7, 64]) {
      const parser = new FrameParser();
      const out: Frame[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...parser.push(bytes.subarray(i, i + step)));
      expect(out).to.deep.equal(roundTrips);
    }
  });

  it('keeps a control frame of another version as unknown, to be ignored', () => {
    const bytes = Buffer.from('80020001000000020102', 'hex');
    expect(new FrameParser().push(bytes)).to.deep.equal([
      { type: 'unknown', version: 2, controlType: 1, flags: 0, payload: Buffer.from([1, 2]) },
    ]);
  });

  it('rejects a RST_STREAM too short to hold its fields', () => {
    expect(() => new FrameParser().push(Buffer.from('800300030000000400000001', 'hex')))
      .to.throw('RST_STREAM frame payload of 4 bytes is shorter than 8');
  });
});

describe('portforward SPDY header blocks', () => {
  it('builds the 1423-byte SPDY/3 dictionary whose adler32 is the id in kubectl\'s zlib header', () => {
    expect(SPDY3_DICTIONARY.length).to.equal(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).to.equal('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-6).toString('latin1')).to.equal('enq=0.');
    // kubectl's first SYN_STREAM: 18 bytes of frame fields, then zlib header 78 f9 and the dictionary id.
    expect(KUBECTL_129_CAPTURE.subarray(18, 20).toString('hex')).to.equal('78f9');
    expect(KUBECTL_129_CAPTURE.readUInt32BE(20)).to.equal(adler32(SPDY3_DICTIONARY));
  });

  it('encodes a name/value block byte by byte, names lower-cased, values joined by NUL', () => {
    const block = encodeHeaderBlock(new Map([['Port', ['8080']], ['x', ['a', 'b']]]));
    expect(block.toString('hex')).to.equal('00000002' + '00000004' + '706f7274' + '00000004' + '38303830' +
      '00000001' + '78' + '00000003' + '610062');
    expect([...parseHeaderBlock(block)]).to.deep.equal([['port', ['8080']], ['x', ['a', 'b']]]);
  });

  const badBlocks: [string, string][] = [
    ['00000001000000', 'header block truncated at byte 4 of 7'],
    ['0000000100000001410000000178', 'header name "A" is not lower-case'],
    ['000000020000000161000000017800000001610000000178', 'header "a" appears twice'],
    ['000000000000', 'header block has 2 bytes after its last header'],
  ];
  for (const [hex, message] of badBlocks) {
    it(`refuses a block: ${message}`, () => {
      expect(() => parseHeaderBlock(Buffer.from(hex, 'hex'))).to.throw(message);
    });
  }

  it('round-trips blocks through one compression context per direction', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks = [
      new Map([['streamtype', ['error']], ['port', ['8080']], ['requestid', ['0']]]),
      new Map([['streamtype', ['data']], ['port', ['8080']], ['requestid', ['0']]]),
      new Map<string, string[]>(),
    ];
    const compressed = [];
    for (const b of blocks) compressed.push(await c.compress(b));
    // The second block reuses the first's history, so it is smaller than on its own.
    expect(compressed[1].length).to.be.lessThan(compressed[0].length);
    for (let i = 0; i < blocks.length; i++) expect([...await d.decompress(compressed[i])]).to.deep.equal([...blocks[i]]);
    // Each block ends at a sync flush: the empty stored block 00 00 ff ff.
    for (const b of compressed) expect(b.subarray(-4).toString('hex')).to.equal('0000ffff');
    // And a plain zlib inflater with the dictionary reads the concatenation.
    const whole = zlib.inflateSync(Buffer.concat(compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(whole.equals(Buffer.concat(blocks.map(encodeHeaderBlock)))).to.equal(true);
    c.close();
    d.close();
  });

  it('decodes the frames kubectl 1.29 sent, in order, headers included', async () => {
    const frames = new FrameParser().push(KUBECTL_129_CAPTURE);
    const d = new HeaderDecompressor();
    const seen: string[] = [];
    for (const f of frames) {
      if (f.type === 'synStream') {
        const h = await d.decompress(f.headerBlock);
        const sorted = [...h].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v.join(',')}`);
        seen.push(`SYN_STREAM ${f.streamId} prio=${f.priority} flags=${f.flags} ${sorted.join(' ')}`);
      } else if (f.type === 'data') {
        seen.push(`DATA ${f.streamId} flags=${f.flags} ${JSON.stringify(f.data.toString())}`);
      } else {
        seen.push(f.type);
      }
    }
    d.close();
    expect(seen).to.deep.equal([
      'SYN_STREAM 1 prio=0 flags=0 port=8080 requestid=0 streamtype=error',
      'DATA 1 flags=1 ""',
      'SYN_STREAM 3 prio=0 flags=0 port=8080 requestid=0 streamtype=data',
      'DATA 3 flags=0 "hi"',
      'DATA 3 flags=1 ""',
      'SYN_STREAM 5 prio=0 flags=0 port=8080 requestid=1 streamtype=error',
      'DATA 5 flags=1 ""',
      'SYN_STREAM 7 prio=0 flags=0 port=8080 requestid=1 streamtype=data',
      'DATA 7 flags=0 "hi"',
      'DATA 7 flags=1 ""',
    ]);
  });
});
