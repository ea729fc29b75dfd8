// The connect recursion guard by table: which attempts dial, which are held, how the held ones end,
// the log lines, and that nothing is left in the map.
import { expect } from 'chai';
import { DialGuard, HeldAttemptFailed } from '../../../src/vif/dial-guard.js';

/** A dial the test settles by hand; `calls` counts how often the guard let it run. */
function manualDial() {
  const pending: { resolve(v: string): void; reject(e: Error): void }[] = [];
  let calls = 0;
  const dial = () => {
    calls += 1;
    return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { dial, pending, calls: () => calls };
}

const tick = () => new Promise((r) => setImmediate(r));

type Outcome = 'ok' | 'fail' | 'timeout';

interface Case {
  name: string;
  /** Destinations of the attempts, in order, all made while the first of each is in flight. */
  attempts: string[];
  /** How the first attempt to each destination ends. */
  first: Record<string, Outcome>;
  /** Dials started before any first settled. */
  dialsBefore: number;
  /** Dials started in all (the released held ones dial on their own). */
  dialsAfter: number;
  /** Each attempt's end: its value, or the error text. */
  results: string[];
  log: string[];
}

const CASES: Case[] = [
  {
    name: 'one attempt: dialled, nothing held, no log',
    attempts: ['10.130.0.99:81'], first: { '10.130.0.99:81': 'ok' }, dialsBefore: 1, dialsAfter: 1,
    results: ['stream 1'], log: [],
  },
  {
    name: 'many to one destination: the first dials, the rest are held; its success releases each to dial on its own',
    attempts: ['10.130.0.5:80', '10.130.0.5:80', '10.130.0.5:80'], first: { '10.130.0.5:80': 'ok' }, dialsBefore: 1, dialsAfter: 3,
    results: ['stream 1', 'stream 2', 'stream 3'],
    log: ['vif: guard: holding connects to 10.130.0.5:80 while the first is in flight', 'vif: guard: 10.130.0.5:80 answered: 2 held attempts released'],
  },
  {
    name: 'the first fails: every held attempt fails with it, without dialling',
    attempts: ['10.130.0.99:81', '10.130.0.99:81', '10.130.0.99:81', '10.130.0.99:81'], first: { '10.130.0.99:81': 'fail' }, dialsBefore: 1, dialsAfter: 1,
    results: [
      'connect ECONNREFUSED',
      ...Array(3).fill('held while the first connect to 10.130.0.99:81 was in flight; it failed (connect ECONNREFUSED)'),
    ],
    log: ['vif: guard: holding connects to 10.130.0.99:81 while the first is in flight', 'vif: guard: 10.130.0.99:81 failed (connect ECONNREFUSED): 3 held attempts failed with it'],
  },
  {
    name: 'the first times out: the held one fails with the timeout',
    attempts: ['10.130.0.99:81', '10.130.0.99:81'], first: { '10.130.0.99:81': 'timeout' }, dialsBefore: 1, dialsAfter: 1,
    results: ['no answer within 2000 ms', 'held while the first connect to 10.130.0.99:81 was in flight; it failed (no answer within 2000 ms)'],
    log: ['vif: guard: holding connects to 10.130.0.99:81 while the first is in flight', 'vif: guard: 10.130.0.99:81 failed (no answer within 2000 ms): 1 held attempt failed with it'],
  },
  {
    name: 'different ports of one IP are independent: each dials at once, one failing does not fail the other',
    attempts: ['10.130.0.99:81', '10.130.0.99:82'], first: { '10.130.0.99:81': 'fail', '10.130.0.99:82': 'ok' }, dialsBefore: 2, dialsAfter: 2,
    results: ['connect ECONNREFUSED', 'stream 1'], log: [],
  },
];

describe('vif DialGuard (the connect recursion guard)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const log: string[] = [];
      const guard = new DialGuard((line) => log.push(line));
      const dials = new Map<string, ReturnType<typeof manualDial>>();
      let streams = 0;
      const attempts = c.attempts.map((dest) => {
        if (!dials.has(dest)) dials.set(dest, manualDial());
        const d = dials.get(dest)!;
        return guard.attempt(dest, d.dial);
      });
      const ended = attempts.map((a) => a.result.then((v) => v, (e: Error) => e.message));
      await tick();
      expect([...dials.values()].reduce((n, d) => n + d.calls(), 0), 'dials before the first settled').to.equal(c.dialsBefore);
      expect(attempts.map((a) => a.held)).to.deep.equal(c.attempts.map((d, i) => c.attempts.indexOf(d) !== i));
      expect(guard.inFlight).to.equal(dials.size);
      // Settle the firsts (in order of their destinations), then the released ones as they come.
      for (const [dest, d] of dials) {
        const how = c.first[dest];
        const first = d.pending.shift()!;
        if (how === 'ok') first.resolve(`stream ${++streams}`);
        else first.reject(new Error(how === 'fail' ? 'connect ECONNREFUSED' : 'no answer within 2000 ms'));
      }
      for (let i = 0; i < 5; i++) {
        await tick();
        for (const d of dials.values()) while (d.pending.length > 0) d.pending.shift()!.resolve(`stream ${++streams}`);
      }
      expect(await Promise.all(ended)).to.deep.equal(c.results);
      expect([...dials.values()].reduce((n, d) => n + d.calls(), 0), 'dials in all').to.equal(c.dialsAfter);
      expect(log).to.deep.equal(c.log);
      expect(guard.inFlight, 'the map empties').to.equal(0);
    });
  }

  it('a held attempt fails with a HeldAttemptFailed naming the destination and the reason', async () => {
    const guard = new DialGuard();
    const first = guard.attempt('10.130.0.99:81', () => Promise.reject(new Error('EHOSTUNREACH')));
    const held = guard.attempt('10.130.0.99:81', () => Promise.resolve('never'));
    const err = await held.result.catch((e: unknown) => e);
    await first.result.catch(() => {});
    expect(err).to.be.instanceOf(HeldAttemptFailed);
    expect((err as HeldAttemptFailed).destination).to.equal('10.130.0.99:81');
    expect((err as HeldAttemptFailed).reason).to.equal('EHOSTUNREACH');
  });

  it('a dial that loops back at once (before its own promise settles) is held: the recursion case', async () => {
    const guard = new DialGuard();
    let calls = 0;
    const results: Promise<string>[] = [];
    // The first dial makes the next attempt to the same destination (its own stream's SYN), then fails.
    const dial = (): Promise<string> => {
      calls += 1;
      results.push(guard.attempt('10.130.0.99:81', dial).result);
      return Promise.reject(new Error('no answer within 100 ms'));
    };
    results.push(guard.attempt('10.130.0.99:81', dial).result);
    await tick();
    const ended = await Promise.all(results.map((r) => r.then(() => 'ok', (e: Error) => e.message)));
    expect(calls).to.equal(1);
    expect(ended).to.deep.equal(['no answer within 100 ms', 'held while the first connect to 10.130.0.99:81 was in flight; it failed (no answer within 100 ms)']);
    expect(guard.inFlight).to.equal(0);
  });

  it('after a burst settles, the next attempt to that destination dials again (a new first)', async () => {
    const guard = new DialGuard();
    let calls = 0;
    await guard.attempt('10.130.0.5:80', async () => ++calls).result;
    await guard.attempt('10.130.0.5:80', async () => ++calls).result;
    expect(calls).to.equal(2);
    expect(guard.heldFor('10.130.0.5:80')).to.equal(0);
  });
});
