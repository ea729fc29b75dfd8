import { expect } from 'chai';
import { UndoStack } from '../../../src/session/undo.js';

describe('UndoStack', () => {
  it('runs every step in reverse and collects every failure', async () => {
    const ran: string[] = [];
    const undo = new UndoStack();
    undo.push('a', () => { ran.push('a'); });
    undo.push('b', () => { throw new Error('b broke'); });
    undo.push('c', async () => { ran.push('c'); });
    undo.push('d', async () => { throw new Error('d broke'); });
    const failures = await undo.unwind();
    expect(ran).to.deep.equal(['c', 'a']);
    expect(failures).to.deep.equal([{ step: 'd', message: 'd broke' }, { step: 'b', message: 'b broke' }]);
    expect(undo.size).to.equal(0);
  });

  it('runs each step once when unwound twice at the same time', async () => {
    let count = 0;
    const undo = new UndoStack();
    undo.push('once', async () => { count += 1; await new Promise((r) => setTimeout(r, 10)); });
    await Promise.all([undo.unwind(), undo.unwind()]);
    expect(count).to.equal(1);
  });
});

describe('UndoStack step time limit', () => {
  it('reports a step that never returns as skipped and runs the steps after it', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const undo = new UndoStack({ stepLimitMs: 150 });
    undo.push('first', () => { ran.push('first'); });
    undo.push('hangs', () => new Promise<void>(() => {}));
    undo.push('last', () => { ran.push('last'); });
    const started = Date.now();
    const failures = await undo.unwind((line) => lines.push(line));
    const took = Date.now() - started;
    expect(ran).to.deep.equal(['last', 'first']);
    expect(failures).to.deep.equal([{ step: 'hangs', message: 'did not finish within 150 ms; skipped' }]);
    expect(lines).to.deep.equal(['undo: last', 'undo: hangs', 'undo: first']);
    expect(took).to.be.within(140, 600);
    expect(undo.size).to.equal(0);
  });

  it('a step that finishes within the default limit is no failure', async () => {
    const undo = new UndoStack();
    let done = false;
    undo.push('quick', async () => { await new Promise((r) => setTimeout(r, 20)); done = true; });
    expect(await undo.unwind()).to.deep.equal([]);
    expect(done).to.equal(true);
  });

  it('a step that rejects after its limit is reported once, as skipped', async () => {
    const undo = new UndoStack({ stepLimitMs: 1000 });
    undo.push('late', () => new Promise<void>((_r, reject) => setTimeout(() => reject(new Error('too late')), 1050)));
    const failures = await undo.unwind();
    expect(failures).to.deep.equal([{ step: 'late', message: 'did not finish within 1 s; skipped' }]);
    await new Promise((r) => setTimeout(r, 100)); // the late rejection lands here: no unhandled rejection
  });
});
