// SPDY/3 header blocks: the name/value block format, and the zlib contexts (one per direction, kept across
// frames, primed with the SPDY/3 dictionary, Z_SYNC_FLUSH after each block) that compress them on the wire.
import zlib from 'node:zlib';

/** Header names (lower-case) to values; SPDY joins several values of one name with NUL. */
export type HeaderMap = Map<string, string[]>;

const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
  'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
  'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 zlib dictionary (section 2.6.10.1 of the draft): length-prefixed words, then common values.
 * 1423 bytes, without the trailing NUL of the draft's C array (as Go's and so spdystream's framer). */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** The uncompressed name/value block: count, then (length, name, length, value) with 32-bit lengths. */
export function encodeHeaderBlock(headers: HeaderMap): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(headers.size));
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export class HeaderBlockError extends Error {}

export function parseHeaderBlock(block: Buffer): HeaderMap {
  const headers: HeaderMap = new Map();
  let off = 0;
  const u32 = () => {
    if (off + 4 > block.length) throw new HeaderBlockError(`header block truncated at byte ${off} of ${block.length}`);
    const n = block.readUInt32BE(off);
    off += 4;
    return n;
  };
  const bytes = (n: number) => {
    if (off + n > block.length) throw new HeaderBlockError(`header block truncated at byte ${off} of ${block.length}`);
    const s = block.toString('utf8', off, off + n);
    off += n;
    return s;
  };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = bytes(u32());
    const value = bytes(u32());
    if (name !== name.toLowerCase()) throw new HeaderBlockError(`header name ${JSON.stringify(name)} is not lower-case`);
    if (headers.has(name)) throw new HeaderBlockError(`header ${JSON.stringify(name)} appears twice`);
    headers.set(name, value.split('\0'));
  }
  if (off !== block.length) throw new HeaderBlockError(`header block has ${block.length - off} bytes after its last header`);
  return headers;
}

/** One zlib stream, fed block by block in order; each result ends at a sync flush. A zlib error fails the
 * block under way and every later one (the context is lost, and with it the session). */
class ZlibContext {
  private out: Buffer[] = [];
  private failure: Error | null = null;
  private failCurrent: ((e: Error) => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('data', (c: Buffer) => this.out.push(c));
    z.on('error', (e: Error) => {
      this.failure = e;
      this.failCurrent?.(e);
    });
  }

  run(input: Buffer): Promise<Buffer> {
    const step = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.failCurrent = reject;
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.failCurrent = null;
        if (this.failure) return reject(this.failure);
        const result = Buffer.concat(this.out);
        this.out = [];
        resolve(result);
      });
    }));
    this.chain = step.catch(() => undefined);
    return step;
  }

  close(): void {
    this.z.close();
  }
}

/** Compresses outgoing header blocks (best compression, as Go's framer asks of its zlib writer). */
export class HeaderCompressor {
  private readonly ctx = new ZlibContext(zlib.createDeflate({ level: 9, dictionary: SPDY3_DICTIONARY }));
  compress(headers: HeaderMap): Promise<Buffer> {
    return this.ctx.run(encodeHeaderBlock(headers));
  }
  close(): void { this.ctx.close(); }
}

export class HeaderDecompressor {
  private readonly ctx = new ZlibContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  async decompress(compressed: Buffer): Promise<HeaderMap> {
    return parseHeaderBlock(await this.ctx.run(compressed));
  }
  close(): void { this.ctx.close(); }
}
