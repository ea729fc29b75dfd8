// The fuzz kit itself (test/helpers/fuzz.ts): a seed replays the same inputs, and a failure of any kind
// names the seed and the input (or the batch) so that it replays.
import { expect } from 'chai';
import { Fuzz, hex, runFuzz, type FuzzRun } from '../helpers/fuzz.js';

const SYN = Buffer.from('4500002800004000400600000a4d00020a82000a9c40005000001388000000005002ffff00000000', 'hex');

async function failure(run: FuzzRun<Buffer>): Promise<string> {
  try {
    await runFuzz(run);
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
  throw new Error('the run passed');
}

describe('fuzz kit', () => {
  const base: FuzzRun<Buffer> = {
    what: 'kit', seed: 42, offset: 0, inputs: 100, batches: 4, batchMs: 5000,
    make: (fuzz) => fuzz.mutateBytes(SYN, { fields: [{ offset: 2, size: 2 }] }),
    show: hex,
    feed: () => undefined,
  };

  it('mutates bytes the same way for the same seed, and differently for another', () => {
    const run = (seed: number) => {
      const fuzz = new Fuzz(seed);
      return Array.from({ length: 50 }, () => hex(fuzz.mutateBytes(SYN)));
    };
    expect(run(7)).to.deep.equal(run(7));
    const a = new Fuzz(7);
    const b = new Fuzz(8);
    const outputs = Array.from({ length: 200 }, () => [hex(a.mutateBytes(SYN)), hex(b.mutateBytes(SYN))]);
    expect(outputs.filter(([x, y]) => x !== y).length).to.be.above(150);
    // Every kind of edit happens: shorter, longer, same length but changed.
    const lengths = new Set(outputs.map(([x]) => Math.sign(x.length - SYN.length * 2)));
    expect([...lengths].sort()).to.deep.equal([-1, 0, 1]);
  });

  it('a length field lies about the length', () => {
    const fuzz = new Fuzz(3);
    const lies = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const out = fuzz.mutateBytes(SYN, { fields: [{ offset: 2, size: 2 }] });
      if (out.length === SYN.length) lies.add(out.readUInt16BE(2));
    }
    for (const lie of [0, 1, 39, 41, 80, 65535]) expect(lies.has(lie), `length ${lie}`).to.equal(true);
  });

  it('names the seed and the input that threw', async () => {
    const inputs: string[] = [];
    const message = await failure({ ...base, feed: (input, i) => {
      inputs.push(hex(input));
      if (i === 37) throw new Error('boom');
    } });
    expect(message).to.equal(`kit: TP_FUZZ_SEED=42, input #37: "${inputs[37]}": Error: boom`);
  });

  it('with feeds in parallel, names the input that failed, not the latest one made', async () => {
    let inFlight = 0;
    let most = 0;
    const message = await failure({ ...base, parallel: 4, show: () => 'x', feed: async (_, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, i === 30 ? 20 : 1));
      inFlight--;
      if (i === 30) throw new Error('slow and wrong');
    } });
    expect([message, most]).to.deep.equal(['kit: TP_FUZZ_SEED=42, input #30: "x": Error: slow and wrong', 4]);
  });

  it('names the input at which an exception escaped to the process', async () => {
    const message = await failure({ ...base, feed: async (_, i) => {
      if (i === 12) setImmediate(() => { throw new Error('late'); });
      await new Promise((r) => setImmediate(r));
    } });
    expect(message).to.match(/^kit: escaped to the process \(at or before TP_FUZZ_SEED=42, input #1[23]: "[0-9a-f]*"\): Error: late$/);
  });

  it('names the batch whose check failed or that ran over its time bound', async () => {
    const message = await failure({ ...base, afterBatch: (b) => { if (b === 2) throw new Error('no answer'); } });
    expect(message).to.equal('kit: after batch 2 (inputs #50 to #74), TP_FUZZ_SEED=42: Error: no answer');
    const slow = await failure({ ...base, batchMs: 30, afterBatch: () => new Promise((r) => setTimeout(r, 50)) });
    expect(slow).to.match(/^kit: after batch 0 \(inputs #0 to #24\), TP_FUZZ_SEED=42: Error: the batch took \d+ ms, more than 30 ms$/);
  });
});
