// The VIF's hand-off of DNS work off the packet path: jobs run after the current turn, in order, at most
// `limit` wait (the rest are refused at once), a failing job is reported, stop() drops what waits.
import { expect } from 'chai';

import { HandOff } from '../../../src/vif/handoff.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('vif/handoff', () => {
  it('runs the jobs after the current turn, in order', async () => {
    const ran: number[] = [];
    const h = new HandOff(10, () => undefined);
    for (const n of [1, 2, 3]) expect(h.offer(() => ran.push(n))).to.equal(true);
    expect(ran).to.deep.equal([]);
    await turn();
    expect(ran).to.deep.equal([1, 2, 3]);
  });

  it('refuses jobs beyond the limit until the waiting ones ran', async () => {
    let ran = 0;
    const h = new HandOff(256, () => undefined);
    const offered = Array.from({ length: 300 }, () => h.offer(() => { ran += 1; }));
    expect([offered.filter(Boolean).length, offered.slice(256).some(Boolean)]).to.deep.equal([256, false]);
    await turn();
    expect(ran).to.equal(256);
    expect(h.offer(() => { ran += 1; })).to.equal(true);
    await turn();
    expect(ran).to.equal(257);
  });

  it('reports a failing job and runs the next', async () => {
    const errors: string[] = [];
    const ran: string[] = [];
    const h = new HandOff(4, (err) => errors.push(err.message));
    h.offer(() => { throw new Error('bad query'); });
    h.offer(() => ran.push('next'));
    await turn();
    expect([errors, ran]).to.deep.equal([['bad query'], ['next']]);
  });

  it('stop() drops the waiting jobs and refuses new ones', async () => {
    let ran = 0;
    const h = new HandOff(4, () => undefined);
    h.offer(() => { ran += 1; });
    h.stop();
    expect(h.offer(() => { ran += 1; })).to.equal(false);
    await turn();
    expect(ran).to.equal(0);
  });
});
