// Seeded fuzz of the pod's SOCKS server: mutated greetings and requests (CONNECT, Tor's RESOLVE and
// RESOLVE_PTR) fed to the codec in random chunks, then to the real server over loopback sockets. The
// server's answer is checked byte for byte against what the codec decoded; every CONNECT is pointed at
// an echo server of the test (no byte may reach anything else); after each batch a valid RESOLVE and
// CONNECT are answered and the sockets, fds and heap are back to their baseline.
import { expect } from 'chai';
import net from 'node:net';
import type { PodResolver } from '../../../proxy-pod/src/resolver.js';
import { NameNotFoundError } from '../../../proxy-pod/src/resolver.js';
import { socksReply } from '../../../src/protocol/index.js';
import {
  encodeResolvePtrReply, encodeResolveReply, isIPv4, SocksDecoder, type DecodeEvent,
} from '../../../proxy-pod/src/socks/protocol.js';
import { listenSocks } from '../../../proxy-pod/src/socks/server.js';
import { expectBaseline, FUZZ_SEED, hex, resources, runFuzz, type Fuzz, type LengthField, type Resources, stallMs } from '../../helpers/fuzz.js';
import { waitFor } from '../../helpers/poll.js';

const CODEC_INPUTS = 20_000;
/** A loopback connection costs about 1 ms here (connect to close, even with no server code), so the
 *  server gets a sample: the codec above decides every byte of its answers. */
const SERVER_INPUTS = 2_500;
const BATCHES = 10;
const BATCH_MS = stallMs(10_000);
const INPUT_MS = 2_000;
/** Clients at once: the server sees concurrent sessions. */
const PARALLEL = 4;

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const name = (s: string): string => Buffer.from([s.length, ...Buffer.from(s, 'latin1')]).toString('hex');
const torsocksResolve = (n: string) => Buffer.concat([h(`05f00003 ${name(n)}`), Buffer.alloc(255 - n.length, 0xaa), h('0000')]);

/** Sessions as clients send them (greeting, request, data sent ahead), with their length fields. */
const SEEDS: { bytes: Buffer; fields: LengthField[] }[] = [
  { bytes: h('050100 05010001 0a000005 1f90'), fields: [{ offset: 1, size: 1 }] },
  { bytes: Buffer.concat([h(`05020001 05010003 ${name('web.default')} 0050`), Buffer.from('GET / HTTP/1.0\r\n\r\n')]), fields: [{ offset: 1, size: 1 }, { offset: 8, size: 1 }] },
  { bytes: Buffer.concat([h('050100'), torsocksResolve('echo.demo')]), fields: [{ offset: 1, size: 1 }, { offset: 7, size: 1 }] },
  { bytes: h(`050100 05f00003 ${name('kubernetes.default.svc.cluster.local')} 0000`), fields: [{ offset: 7, size: 1 }] },
  { bytes: h('050100 05f10001 0a800001 0000'), fields: [{ offset: 1, size: 1 }] },
  { bytes: h(`050100 05f10003 ${name('10.0.0.1')} 0000`), fields: [{ offset: 7, size: 1 }] },
  { bytes: h('050100 05010004 00000000000000000000000000000001 0050'), fields: [] },
  { bytes: h('0503000102 05020001 00000000 0000'), fields: [{ offset: 1, size: 1 }] },
  { bytes: h('050102'), fields: [{ offset: 1, size: 1 }] },
  { bytes: h('04010050 7f000001 00'), fields: [] },
];
const DONORS = SEEDS.map((s) => s.bytes);

interface Input {
  bytes: Buffer;
  /** Where the bytes are cut into chunks. */
  cuts: number[];
}

function makeInput(fuzz: Fuzz): Input {
  const seed = fuzz.pick(SEEDS);
  const bytes = fuzz.mutateBytes(seed.bytes, { fields: seed.fields, donors: DONORS, maxLength: 1024 });
  const cuts = Array.from({ length: fuzz.int(4) }, () => fuzz.int(bytes.length + 1)).sort((a, b) => a - b);
  return { bytes, cuts };
}

const chunks = ({ bytes, cuts }: Input): Buffer[] => [0, ...cuts].map((from, i) => bytes.subarray(from, [...cuts, bytes.length][i]));
const show = (input: Input) => ({ bytes: hex(input.bytes), cuts: input.cuts });

function decode(parts: Buffer[]): { events: DecodeEvent[]; rest: Buffer } {
  const decoder = new SocksDecoder();
  const events = parts.flatMap((part) => decoder.push(part));
  return { events, rest: decoder.takeRest() };
}

/** The fake pod resolver: every name is 127.0.0.1 but an empty one or one with a byte above 0x7f. */
const resolver: PodResolver = {
  lookupIPv4: async (n) => {
    if (n === '' || [...n].some((c) => c.charCodeAt(0) > 0x7f)) throw new NameNotFoundError(n, 'not in the test');
    return ['127.0.0.1'];
  },
  reverse: async (ip) => (ip.endsWith('.1') ? `name-of-${ip}.test` : null),
};

/**
 * Makes every CONNECT of the input go to the echo server: an IPv4 address and port are overwritten,
 * a name that is an IPv4 literal becomes letters (the fake resolver maps names to 127.0.0.1). The
 * result is checked again: an input that would still connect elsewhere throws, and is never sent.
 */
function toEcho(input: Input, echoPort: number): Input {
  const bytes = Buffer.from(input.bytes);
  const [greeting, request] = decode([bytes]).events;
  if (greeting?.type !== 'greeting' || request?.type !== 'request' || request.request.command !== 'connect') return input;
  const at = 2 + greeting.methods.length;
  const end = request.request.address.type === 'ipv4' ? at + 8 : at + 5 + bytes[at + 4];
  if (request.request.address.type === 'ipv4') h('7f000001').copy(bytes, at + 4);
  else if (isIPv4(request.request.address.host)) bytes.fill(0x61, at + 5, end);
  bytes.writeUInt16BE(echoPort, end);
  const checked = decode([bytes]).events[1];
  const safe = checked?.type === 'request' && checked.request.port === echoPort
    && (checked.request.address.type === 'ipv4' ? checked.request.address.host === '127.0.0.1' : !isIPv4(checked.request.address.host));
  if (!safe) {
    throw new Error(`a CONNECT left pointing elsewhere: ${hex(bytes)}`);
  }
  return { bytes, cuts: input.cuts };
}

/** What the server must answer: hex, with `BOUND` for the 6 bytes of a CONNECT reply's bound address. */
async function expectedAnswer(input: Input): Promise<string> {
  const { events, rest } = decode([input.bytes]);
  const [greeting, request] = events;
  if (greeting?.type !== 'greeting') return '';
  if (!greeting.methods.includes(0)) return '05ff';
  if (request === undefined || request.type === 'malformed') return '0500';
  if (request.type === 'unsupported') return `0500${hex(socksReply(7))}`;
  if (request.type !== 'request') throw new Error(`a second greeting: ${JSON.stringify(request)}`);
  const { command, address } = request.request;
  const failed = `0500${hex(socksReply(4))}`;
  if (command === 'resolve') {
    if (isIPv4(address.host)) return `0500${hex(encodeResolveReply(address.host))}`;
    return resolver.lookupIPv4(address.host).then((ips) => `0500${hex(encodeResolveReply(ips[0]))}`, () => failed);
  }
  if (command === 'resolve-ptr') {
    const ptr = isIPv4(address.host) ? await resolver.reverse(address.host) : null;
    return `0500${hex(encodeResolvePtrReply(ptr ?? address.host))}`;
  }
  if (address.type === 'domain' && !isIPv4(address.host)) {
    if (await resolver.lookupIPv4(address.host).then(() => false, () => true)) return failed;
  }
  return `050005000001BOUND${hex(rest)}`;
}

/** One client: sends the chunks (a turn apart), ends, and collects what the server sent until it closed. */
function exchange(port: number, parts: Buffer[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from the server within ${timeoutMs} ms; got ${hex(Buffer.concat(received))}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    // A reset (the server destroyed the socket on malformed input) is an ending too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(hex(Buffer.concat(received)));
    });
    socket.once('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        if (part.length > 0) socket.write(part);
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
    });
  });
}

describe(`fuzz: the pod's SOCKS server (seed ${FUZZ_SEED}, replay with TP_FUZZ_SEED=${FUZZ_SEED})`, function () {
  this.timeout(BATCHES * BATCH_MS);

  it(`codec: ${CODEC_INPUTS} mutated sessions in random chunks decode as they do whole, in at most two events`, async () => {
    const kinds = new Map<string, number>();
    const report = await runFuzz({
      what: 'SOCKS codec', seed: FUZZ_SEED, offset: 20, inputs: CODEC_INPUTS, batches: BATCHES, batchMs: BATCH_MS, inputMs: INPUT_MS,
      make: makeInput, show,
      // Plain comparisons, not chai: 20,000 of them must stay cheap.
      feed: (input) => {
        const whole = decode([input.bytes]);
        const split = decode(chunks(input));
        const [a, b] = [JSON.stringify(split.events), JSON.stringify(whole.events)];
        if (a !== b) throw new Error(`in chunks ${a}, whole ${b}`);
        if (whole.events[1]?.type === 'request' && !split.rest.equals(whole.rest)) throw new Error(`rest in chunks ${hex(split.rest)}, whole ${hex(whole.rest)}`);
        if (whole.events.length > 2 || (whole.events.length > 0 && !['greeting', 'malformed'].includes(whole.events[0].type))) throw new Error(`events ${b}`);
        const kind = whole.events.map((e) => (e.type === 'request' ? e.request.command : e.type)).join('+') || 'incomplete';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      },
    });
    // Every outcome is reached often enough to mean something.
    for (const kind of ['incomplete', 'malformed', 'greeting', 'greeting+connect', 'greeting+resolve', 'greeting+resolve-ptr', 'greeting+unsupported', 'greeting+malformed']) {
      expect(kinds.get(kind) ?? 0, `${kind} in ${JSON.stringify([...kinds])}`).to.be.above(CODEC_INPUTS / 500);
    }
    expect(report.slowestBatchMs).to.be.below(BATCH_MS);
  });

  describe('server over loopback', () => {
    let socks: Awaited<ReturnType<typeof listenSocks>>;
    let echo: net.Server;
    let echoPort: number;
    let base: Resources;
    const connections = (server: net.Server) => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

    /** A torsocks RESOLVE and a CONNECT with data sent ahead, answered in full. */
    async function validRequests(): Promise<void> {
      expect(await exchange(socks.port, [h('050100'), torsocksResolve('echo.demo')], INPUT_MS)).to.equal(`0500${hex(encodeResolveReply('127.0.0.1'))}`);
      const connect = await exchange(socks.port, [h('050100'), h(`05010001 7f000001 ${echoPort.toString(16).padStart(4, '0')}`), Buffer.from('ping')], INPUT_MS);
      expect(connect.replace(/^050005000001[0-9a-f]{12}/, '050005000001BOUND')).to.equal(`050005000001BOUND${hex(Buffer.from('ping'))}`);
    }

    before(async () => {
      echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s).on('error', () => undefined));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
      echoPort = (echo.address() as net.AddressInfo).port;
      socks = await listenSocks({ host: '127.0.0.1', port: 0, resolver });
      await validRequests(); // the first connections open what the process keeps (a warm-up)
      base = resources();
    });
    after(async () => {
      await socks.close();
      await new Promise((r) => echo.close(r));
    });

    it(`${SERVER_INPUTS} mutated sessions: answered byte for byte as decoded, and a valid RESOLVE and CONNECT after each batch`, async () => {
      const report = await runFuzz({
        what: 'SOCKS server', seed: FUZZ_SEED, offset: 21, inputs: SERVER_INPUTS, batches: BATCHES, batchMs: BATCH_MS, inputMs: INPUT_MS, parallel: PARALLEL,
        make: (fuzz) => toEcho(makeInput(fuzz), echoPort), show,
        feed: async (input) => {
          const want = await expectedAnswer(input);
          const got = await exchange(socks.port, chunks(input), INPUT_MS);
          const seen = want.includes('BOUND') ? got.replace(/^(050005000001)[0-9a-f]{12}/, '$1BOUND') : got;
          if (seen !== want) throw new Error(`answered ${seen}, expected ${want}`);
        },
        afterBatch: async () => {
          await validRequests();
          await waitFor('the SOCKS and echo connections closed', 2000, async () => ((await connections(socks.server)) + (await connections(echo)) === 0 ? true : undefined), 10);
          await expectBaseline('SOCKS server', base);
        },
      });
      expect(report.slowestBatchMs).to.be.below(BATCH_MS);
    });
  });
});
