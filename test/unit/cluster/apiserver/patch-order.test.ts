// $setElementOrder in strategic merge patches: the order kubectl apply asks for, server-only items in
// their live place (apimachinery's normalizeElementOrder), and the 3-way patch kubectl apply sends.
import { expect } from 'chai';
import { applyElementOrder } from '../../../cluster/apiserver/patch-order.js';
import { strategicMergePatch } from '../../../cluster/apiserver/patch.js';

const env = (...names: string[]) => names.map((name) => ({ name }));
const names = (l: unknown[]) => (l as { name: string }[]).map((x) => x.name).join(',');

describe('apiserver $setElementOrder', () => {
  const table: [string, unknown[], unknown[], unknown[], string][] = [
    // what, merged list, order, live list, result
    ['the patch reorders what it names', env('a', 'b'), env('b', 'a'), env('a', 'b'), 'b,a'],
    ['a server-only item stays after the item before it', env('a', 'c', 's', 'z'), env('a', 'z', 'c'), env('a', 'b', 'c', 's'), 'a,z,c,s'],
    ['a server-only item first in the live list stays first', env('s', 'a', 'b'), env('b', 'a'), env('s', 'a', 'b'), 's,b,a'],
    ['a server-only item before a named one in the live list goes first', env('a', 's1', 'b', 's2'), env('b', 'a'), env('a', 's1', 'b', 's2'), 's1,b,a,s2'],
    ['a new item lands where the order puts it', env('a', 'b', 'n'), env('n', 'a', 'b'), env('a', 'b'), 'n,a,b'],
    ['an empty order keeps the merged list', env('a', 'b'), [], env('b', 'a'), 'b,a'],
  ];
  for (const [what, merged, order, live, want] of table) {
    it(what, () => expect(names(applyElementOrder(merged, order, live, 'name'))).to.equal(want));
  }

  it('orders lists of primitives by value', () => {
    expect(applyElementOrder(['x', 'a', 'b'], ['b', 'a'], ['a', 'x', 'b'], undefined)).to.deep.equal(['x', 'b', 'a']);
    expect(applyElementOrder(['a', 'b', 'x'], ['b', 'a'], ['a', 'b', 'x'], undefined)).to.deep.equal(['b', 'a', 'x']);
  });

  it('applies the 3-way patch kubectl apply sends after containers, env and ports changed', () => {
    const live = {
      metadata: { labels: { app: 'web', tier: 'a' } },
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
        template: { spec: { containers: [
          { name: 'main', image: 'echo:1', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'metrics' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }, { name: 'S', value: 'server' }] },
          { name: 'side', image: 'tools:1', command: ['sleep', 'infinity'] },
        ] } },
      },
    };
    // As kubectl 1.32 computes it (captured with -v=8), for the manifest with side first, main with
    // env A, Z, C=30 and ports 8080, 7070, strategy Recreate, label tier gone, 3 replicas.
    const patch = {
      metadata: { labels: { tier: null } },
      spec: {
        replicas: 3,
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: { spec: {
          '$setElementOrder/containers': [{ name: 'side' }, { name: 'main' }],
          containers: [
            { command: ['sleep', '100'], name: 'side' },
            { '$setElementOrder/env': env('A', 'Z', 'C'), '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 7070 }],
              env: [{ name: 'Z', value: '26' }, { name: 'C', value: '30' }, { $patch: 'delete', name: 'B' }],
              image: 'echo:2', name: 'main', ports: [{ containerPort: 7070, name: 'admin' }, { $patch: 'delete', containerPort: 9090 }] },
          ],
        } },
      },
    };
    const out = strategicMergePatch(live, patch) as typeof live;
    expect(out.metadata.labels).to.deep.equal({ app: 'web' });
    expect(out.spec.replicas).to.equal(3);
    expect(out.spec.strategy).to.deep.equal({ type: 'Recreate' });
    const [side, main] = out.spec.template.spec.containers;
    expect(side).to.deep.equal({ name: 'side', image: 'tools:1', command: ['sleep', '100'] });
    expect(main.image).to.equal('echo:2');
    expect(main.env).to.deep.equal([{ name: 'A', value: '1' }, { name: 'Z', value: '26' }, { name: 'C', value: '30' }, { name: 'S', value: 'server' }]);
    expect(main.ports).to.deep.equal([{ containerPort: 8080, name: 'http' }, { containerPort: 7070, name: 'admin' }]);
  });
});
