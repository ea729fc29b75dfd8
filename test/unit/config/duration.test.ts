// Durations as Telepresence 2's config.yml writes them.
import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  const cases: [unknown, number | null][] = [
    ['500ms', 500],
    ['4s', 4000],
    ['1m', 60000],
    ['1h', 3600000],
    ['1m30s', 90000],
    ['2.5s', 2500],
    [' 4s ', 4000],
    [7, 7000],
    [0.25, 250],
    ['4', null],
    ['4 s', null],
    ['4sec', null],
    ['-1s', null],
    ['0s', null],
    [0, null],
    [true, null],
    [null, null],
    ['', null],
  ];
  for (const [input, ms] of cases) {
    it(`${JSON.stringify(input)} -> ${ms}`, () => expect(parseDuration(input)).to.equal(ms));
  }
  it('formats back', () => {
    expect([500, 4000, 90000, 3600000, 2500].map(formatDuration)).to.deep.equal(['500ms', '4s', '1m30s', '1h', '2500ms']);
  });
});
