// environmentChange: the one line naming what a replacement proxy pod's environment has otherwise than the
// user process's (added, removed, changed; names only, never values), or null when only the pod's name differs.
import { expect } from 'chai';

import { environmentChange } from '../../../src/session/environment.js';

const TAIL = ': the running process keeps the old values; restart telepresence to get the new ones';
const line = (what: string) => `Warning: the new proxy pod proxy-2 has another environment than your process started with (${what})${TAIL}`;
const BEFORE = { A: '1', B: 'two', SECRET: 's3cr3t', TELEPRESENCE_POD: 'proxy-1', TELEPRESENCE_ROOT: '' };

describe('session/environment environmentChange', () => {
  const cases: Array<{ name: string; after: Record<string, string>; expected: string | null }> = [
    { name: 'the same variables, another pod name: no line', after: { ...BEFORE, TELEPRESENCE_POD: 'proxy-2' }, expected: null },
    { name: 'one added (a `kubectl set env` rollout)', after: { ...BEFORE, X: '1', TELEPRESENCE_POD: 'proxy-2' }, expected: line('added X') },
    { name: 'one removed', after: { A: '1', B: 'two', TELEPRESENCE_POD: 'proxy-2', TELEPRESENCE_ROOT: '' }, expected: line('removed SECRET') },
    { name: 'one changed: its name, never either value', after: { ...BEFORE, SECRET: 'n3w' }, expected: line('changed SECRET') },
    {
      name: 'all three, each list sorted',
      after: { B: 'three', A: '2', Z_NEW: '', M_NEW: 'm', TELEPRESENCE_POD: 'proxy-2', TELEPRESENCE_ROOT: '' },
      expected: line('added M_NEW, Z_NEW; removed SECRET; changed A, B'),
    },
    { name: 'a value that becomes empty is a change', after: { ...BEFORE, A: '' }, expected: line('changed A') },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = environmentChange(BEFORE, c.after, 'proxy-2');
      expect(got).to.equal(c.expected);
      if (got) for (const value of ['s3cr3t', 'n3w', 'two', 'three']) expect(got).to.not.contain(value);
    });
  }
});
