// RollingUpdate steps: a table of (replicas, surge, unavailable, new RS, old RSs) -> replica changes.
import { expect } from 'chai';
import { resolveIntOrPercent, rollingStep, type RsCounts } from '../../../cluster/apiserver/controllers/rolling.js';

const rs = (name: string, spec: number, available: number): RsCounts => ({ name, spec, available });

describe('apiserver rolling update', () => {
  it('resolves percentages: surge rounds up, unavailable rounds down', () => {
    expect([resolveIntOrPercent('25%', 3, true), resolveIntOrPercent('25%', 3, false), resolveIntOrPercent(2, 3, true), resolveIntOrPercent(undefined, 10, true)])
      .to.deep.equal([1, 0, 2, 3]);
  });

  const cases: [string, number, RsCounts, RsCounts[], Record<string, number>][] = [
    ['a new Deployment gets all its replicas', 3, rs('new', 0, 0), [], { new: 3 }],
    ['scale up', 3, rs('new', 1, 1), [], { new: 3 }],
    ['scale down', 1, rs('new', 3, 3), [], { new: 1 }],
    ['steady state changes nothing', 3, rs('new', 3, 3), [rs('old', 0, 0)], {}],
    ['a template change surges one pod first', 3, rs('new', 0, 0), [rs('old', 3, 3)], { new: 1 }],
    ['an old pod goes once a new one is available', 3, rs('new', 1, 1), [rs('old', 3, 3)], { old: 2 }],
    ['then the next new pod', 3, rs('new', 1, 1), [rs('old', 2, 2)], { new: 2 }],
    ['the last old pod goes', 3, rs('new', 3, 3), [rs('old', 1, 1)], { old: 0 }],
    ['a single replica waits for the new pod', 1, rs('new', 1, 0), [rs('old', 1, 1)], {}],
    ['broken old pods make room once the new pod is up', 3, rs('new', 1, 1), [rs('old', 3, 0)], { old: 2 }],
    ['broken old pods stay while the new pod is not up', 3, rs('new', 1, 0), [rs('old', 3, 0)], {}],
    ['the oldest ReplicaSet goes first', 2, rs('new', 2, 2), [rs('older', 1, 1), rs('old', 1, 1)], { older: 0, old: 0 }],
  ];
  for (const [name, want, newRs, old, changes] of cases) {
    it(name, () => {
      expect(Object.fromEntries(rollingStep(want, '25%', '25%', newRs, old))).to.deep.equal(changes);
    });
  }

  it('treats maxSurge 0 and maxUnavailable 0 as one unavailable pod', () => {
    expect(Object.fromEntries(rollingStep(2, 0, 0, rs('new', 0, 0), [rs('old', 2, 2)]))).to.deep.equal({ old: 1 });
  });
});
