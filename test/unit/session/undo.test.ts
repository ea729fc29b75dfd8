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
