// exec over SPDY frame by frame, from a scripted client on an in-memory connection: the command starts only once
// every stream the query asked for is replied to; then the output streams end, the Status goes on the error
// stream and the connection is half-closed; stdin's FIN reaches the command; resizes arrive decoded.
import { expect } from 'chai';
import type { Duplex } from 'node:stream';
import { encodeFrame, FLAG_FIN, FrameParser } from '../../../cluster/httpstream/frames.js';
import { HeaderCompressor, HeaderDecompressor } from '../../../cluster/httpstream/headers.js';
import { serveRemoteCommandSpdy } from '../../../cluster/remotecommand/spdy.js';
import type { CommandIo, CommandOutcome, StreamOptions, TerminalSize } from '../../../cluster/remotecommand/types.js';
import { duplexPair } from '../portforward/duplex-pair.js';
import { waitFor } from '../../../helpers/poll.js';

class Client {
  readonly frames: string[] = [];
  ended = false;
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private chain = Promise.resolve();

  constructor(readonly socket: Duplex) {
    const parser = new FrameParser();
    socket.on('data', (bytes: Buffer) => {
      for (const f of parser.push(bytes)) {
        this.chain = this.chain.then(async () => {
          if (f.type === 'synReply') {
            await this.decompressor.decompress(f.headerBlock);
            this.frames.push(`SYN_REPLY ${f.streamId}`);
          } else if (f.type === 'data') {
            this.frames.push(`DATA ${f.streamId}${f.flags & FLAG_FIN ? ' FIN' : ''} ${JSON.stringify(f.data.toString())}`);
          } else if (f.type === 'rstStream') this.frames.push(`RST_STREAM ${f.streamId}`);
          else this.frames.push(f.type);
        });
      }
    });
    socket.on('end', () => { void this.chain.then(() => { this.ended = true; }); });
  }

  async open(id: number, type: string): Promise<void> {
    const block = await this.compressor.compress(new Map([['streamtype', [type]]]));
    this.socket.write(encodeFrame({ type: 'synStream', streamId: id, associatedStreamId: 0, priority: 0, slot: 0, flags: 0, headerBlock: block }));
  }

  data(id: number, text: string, fin = false): void {
    this.socket.write(encodeFrame({ type: 'data', streamId: id, flags: fin ? FLAG_FIN : 0, data: Buffer.from(text) }));
  }
}

function start(options: StreamOptions, run: (io: CommandIo) => Promise<CommandOutcome>): { client: Client; calls: () => number } {
  const [server, client] = duplexPair();
  let calls = 0;
  serveRemoteCommandSpdy(server, Buffer.alloc(0), options, { verb: 'exec', command: ['sh', '-c', 'x'], run: (io) => { calls++; return run(io); } });
  return { client: new Client(client), calls: () => calls };
}

describe('remotecommand over SPDY', () => {
  it('runs once all requested streams are there; output, then the Status, then the end', async () => {
    const { client, calls } = start({ stdin: true, stdout: true, stderr: true, tty: false }, async (io) => {
      let input = '';
      io.stdin!.on('data', (chunk: Buffer) => { input += chunk.toString(); });
      await new Promise((resolve) => io.stdin!.once('end', resolve));
      io.stdout!.write(`got ${input}`);
      io.stderr!.write('warn');
      return { exitCode: 3 };
    });
    await client.open(1, 'error');
    await client.open(3, 'stdin');
    await client.open(5, 'stdout');
    await waitFor('three replies', 2000, () => (client.frames.length === 3 ? true : undefined), 5);
    expect(calls()).to.equal(0); // stderr is still missing
    await client.open(7, 'stderr');
    client.data(3, 'abc', true);
    await waitFor('the end', 2000, () => (client.ended ? true : undefined), 5);
    expect(calls()).to.equal(1);
    expect(client.frames).to.deep.equal([
      'SYN_REPLY 1', 'SYN_REPLY 3', 'SYN_REPLY 5', 'SYN_REPLY 7',
      'DATA 5 "got abc"', 'DATA 7 "warn"', 'DATA 5 FIN ""', 'DATA 7 FIN ""',
      `DATA 1 ${JSON.stringify('{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c x], exit code 3",' +
        '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}')}`,
      'DATA 1 FIN ""', 'DATA 3 FIN ""',
    ]);
  });

  it('with a tty: stderr is not waited for, and the resize stream\'s JSON arrives as sizes', async () => {
    const sizes: TerminalSize[] = [];
    let finish!: () => void;
    const done = new Promise<void>((r) => { finish = r; });
    const { client } = start({ stdin: false, stdout: true, stderr: false, tty: true }, async (io) => {
      io.sizes.on('resize', (s) => { sizes.push(s); if (sizes.length === 2) finish(); });
      await done;
      return { exitCode: 0 };
    });
    await client.open(1, 'error');
    await client.open(3, 'stdout');
    await client.open(5, 'resize');
    client.data(5, '{"Width":80,"Height":24}\n{"Width":1');
    client.data(5, '00,"Height":30}\n');
    await waitFor('the end', 2000, () => (client.ended ? true : undefined), 5);
    expect(sizes).to.deep.equal([{ width: 80, height: 24 }, { width: 100, height: 30 }]);
    expect(client.frames.slice(-4)).to.deep.equal(['DATA 3 FIN ""', 'DATA 1 "{\\"metadata\\":{},\\"status\\":\\"Success\\"}"', 'DATA 1 FIN ""',
      'DATA 5 FIN ""']);
  });

  it('resets a stream of an unknown type and a second stream of one type', async () => {
    const { client } = start({ stdin: false, stdout: true, stderr: false, tty: false }, async () => ({ exitCode: 0 }));
    await client.open(1, 'bogus');
    await client.open(3, 'stdout');
    await client.open(5, 'stdout');
    await waitFor('two answers', 2000, () => (client.frames.length >= 3 ? true : undefined), 5);
    expect(client.frames.slice(0, 3)).to.deep.equal(['RST_STREAM 1', 'SYN_REPLY 3', 'RST_STREAM 5']);
  });
});
