// The test cluster's instance names (test/cluster/instance.ts): pure, a table of --instance texts.
import { expect } from 'chai';
import { clusterInstance, instanceLabel, parseInstanceName } from '../../cluster/instance.js';

describe('test cluster: instance names', () => {
  const cases: [string | undefined, string][] = [[undefined, ''], ['', ''], ['1', ''], ['2', '2'], ['9', '9']];
  for (const [text, name] of cases) {
    it(`--instance ${JSON.stringify(text)} is ${name === '' ? 'the default' : `instance ${name}`}`, () => {
      expect(parseInstanceName(text)).to.equal(name);
    });
  }
  for (const bad of ['0', '10', '02', 'two', '-1', '2.0']) {
    it(`--instance ${bad}: refused, naming the value and the range`, () => {
      expect(() => parseInstanceName(bad)).to.throw(`instance "${bad}": use 1 (the default) or a number from 2 to 9`);
    });
  }
  it('the default keeps today\'s names; instance 2 has its own of each, on port 16444', () => {
    expect(clusterInstance('')).to.include({ defaultStateDir: '/run/tp-cluster', netns: 'tp-node', apiPort: 16443, context: 'tp-local', containerPrefix: 'tp' });
    expect(clusterInstance('2')).to.deep.equal({
      name: '2', defaultStateDir: '/run/tp-cluster-2', netns: 'tp-node-2', nodeName: 'tp-node-2', apiPort: 16444,
      dockerLabel: 'tp-cluster-2', containerPrefix: 'tp2', context: 'tp-local-2', user: 'tp-admin-2',
    });
    expect([instanceLabel(clusterInstance('')), instanceLabel(clusterInstance('3'))]).to.deep.equal(['default (1)', '3']);
  });
  it('no two instances share a name, port or label', () => {
    const all = ['', '2', '3', '4', '5', '6', '7', '8', '9'].map((n) => clusterInstance(n));
    for (const key of ['defaultStateDir', 'netns', 'apiPort', 'dockerLabel', 'containerPrefix', 'context', 'user'] as const) {
      expect(new Set(all.map((i) => i[key])).size, key).to.equal(all.length);
    }
  });
});
