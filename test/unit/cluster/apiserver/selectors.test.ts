// Label and field selectors: a table of selector texts against label sets.
import { expect } from 'chai';
import { fieldValue, matchFields, matchLabels, parseFieldSelector, parseLabelSelector, selectorRequirements } from '../../../cluster/apiserver/selectors.js';

describe('apiserver selectors', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db, cache)', false],
    ['app notin (db,cache)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web),env notin (dev,test),!missing', true],
    ['app=', false],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} ${want ? 'matches' : 'does not match'}`, () => {
      expect(matchLabels(parseLabelSelector(text), labels)).to.equal(want);
    });
  }

  it('refuses a term it cannot parse with the API server\'s message', () => {
    expect(() => parseLabelSelector('app in web')).to.throw("unable to parse requirement: found 'app in web', expected: identifier");
  });

  it('matches field selectors on dotted paths', () => {
    const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'tp-node' }, status: { phase: 'Running' } };
    const table: [string, boolean][] = [
      ['metadata.name=p', true], ['metadata.name!=p', false], ['metadata.namespace==ns', true],
      ['status.phase=Running,spec.nodeName=tp-node', true], ['status.phase=Pending', false], ['spec.nodeName=', false],
      ['spec.missing=', true],
    ];
    for (const [text, want] of table) expect(matchFields(parseFieldSelector(text), pod), text).to.equal(want);
    expect(fieldValue(pod, 'spec.nodeName')).to.equal('tp-node');
  });

  it('turns LabelSelector objects into requirements', () => {
    const reqs = selectorRequirements({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'gone', operator: 'DoesNotExist' }],
    });
    expect(matchLabels(reqs, labels)).to.equal(true);
    expect(matchLabels(reqs, { app: 'web', env: 'dev' })).to.equal(false);
  });
});
