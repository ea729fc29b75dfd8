// RecentDials, the memory of destinations that answered moments ago: expiry, the size bound, failures.
import { expect } from 'chai';
import { RecentDials } from '../../../src/vif/recent-dials.js';

type Step = ['ok' | 'fail', string, number] | ['ask', string, number, boolean];

const cases: { name: string; ttl: number; max: number; steps: Step[]; size: number }[] = [
  { name: 'never dialled: not remembered', ttl: 1000, max: 4, steps: [['ask', 'a:80', 0, false]], size: 0 },
  { name: 'answered: remembered until ttl, not at ttl', ttl: 1000, max: 4,
    steps: [['ok', 'a:80', 100], ['ask', 'a:80', 100, true], ['ask', 'a:80', 1099, true], ['ask', 'a:80', 1100, false]], size: 0 },
  { name: 'an expired entry stays gone', ttl: 1000, max: 4, steps: [['ok', 'a:80', 0], ['ask', 'a:80', 5000, false], ['ask', 'a:80', 10, false]], size: 0 },
  { name: 'another success refreshes the entry', ttl: 1000, max: 4,
    steps: [['ok', 'a:80', 0], ['ok', 'a:80', 900], ['ask', 'a:80', 1800, true], ['ask', 'a:80', 1900, false]], size: 0 },
  { name: 'a failure drops the entry at once', ttl: 1000, max: 4, steps: [['ok', 'a:80', 0], ['fail', 'a:80', 10], ['ask', 'a:80', 11, false]], size: 0 },
  { name: 'a failure of another port keeps this one', ttl: 1000, max: 4,
    steps: [['ok', 'a:80', 0], ['ok', 'a:81', 0], ['fail', 'a:81', 5], ['ask', 'a:80', 6, true], ['ask', 'a:81', 6, false]], size: 1 },
  { name: 'size bound: the oldest success goes first', ttl: 10_000, max: 2,
    steps: [['ok', 'a:1', 0], ['ok', 'a:2', 1], ['ok', 'a:3', 2], ['ask', 'a:1', 3, false], ['ask', 'a:2', 3, true], ['ask', 'a:3', 3, true]], size: 2 },
  { name: 'size bound: a refreshed entry is the newest', ttl: 10_000, max: 2,
    steps: [['ok', 'a:1', 0], ['ok', 'a:2', 1], ['ok', 'a:1', 2], ['ok', 'a:3', 3], ['ask', 'a:2', 4, false], ['ask', 'a:1', 4, true]], size: 2 },
  { name: 'a new success drops the expired entries before it', ttl: 100, max: 10,
    steps: [['ok', 'a:1', 0], ['ok', 'a:2', 50], ['ok', 'a:3', 120]], size: 2 },
  { name: 'max 0: nothing remembered', ttl: 1000, max: 0, steps: [['ok', 'a:1', 0], ['ask', 'a:1', 1, false]], size: 0 },
  { name: 'ttl 0: nothing taken at once', ttl: 0, max: 4, steps: [['ok', 'a:1', 0], ['ask', 'a:1', 0, false]], size: 0 },
];

describe('vif RecentDials (destinations that answered moments ago)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const recent = new RecentDials(c.ttl, c.max);
      const answers: boolean[] = [];
      const expected: boolean[] = [];
      for (const step of c.steps) {
        if (step[0] === 'ok') recent.succeeded(step[1], step[2]);
        else if (step[0] === 'fail') recent.failed(step[1]);
        else {
          answers.push(recent.answeredRecently(step[1], step[2]));
          expected.push(step[3] === true);
        }
      }
      expect(answers).to.deep.equal(expected);
      expect(recent.size).to.equal(c.size);
    });
  }

  it('refuses a negative ttl or size', () => {
    expect(() => new RecentDials(-1, 4)).to.throw(RangeError, 'RecentDials: ttlMs and maxEntries must be >= 0');
    expect(() => new RecentDials(1, -4)).to.throw(RangeError);
  });
});
